/** What a job body returns when it had nothing to do: see {@link idleJob}. */
export interface JobIdle {
  readonly idle: string
}

/**
 * The value a job body returns when it had nothing to do (for example a CRM sync with no CRM
 * configured): `runJob` records the run as `skipped` with `reason`, not as `done`, so
 * `pulse status` does not report work that never happened.
 */
export function idleJob(reason: string): JobIdle {
  return { idle: reason }
}

/** Whether a job body's result is {@link idleJob}'s. */
export function isJobIdle(value: unknown): value is JobIdle {
  return typeof value === 'object' && value !== null && typeof (value as { idle?: unknown }).idle === 'string'
}

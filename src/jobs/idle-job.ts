/** What a job body returns when it had nothing to do: see {@link idleJob}. */
export interface JobIdle {
  readonly idle: string
  /** True when the job did not run because sending is paused (see {@link pausedJob}), not for lack of work. */
  readonly paused?: boolean
}

/**
 * The value a job body returns when it had nothing to do (for example a CRM sync with no CRM
 * configured): `runJob` records the run as `skipped` with `reason`, not as `done`, so
 * `pulse status` does not report work that never happened.
 */
export function idleJob(reason: string): JobIdle {
  return { idle: reason }
}

/**
 * The value a job body returns when it did not run because its work is paused (Slack refuses the
 * bot token): recorded as `skipped` with `reason`, like {@link idleJob}, but logged as a pause.
 */
export function pausedJob(reason: string): JobIdle {
  return { idle: reason, paused: true }
}

/** Whether a job body's result is {@link idleJob}'s. */
export function isJobIdle(value: unknown): value is JobIdle {
  return typeof value === 'object' && value !== null && typeof (value as { idle?: unknown }).idle === 'string'
}

import type { Kysely, Selectable } from 'kysely'
import type { Database } from './schema.js'
import type { JobRunsTable } from './schema-crm-sync.js'

/** A stored job run. */
export type JobRun = Selectable<JobRunsTable>

/** Records the start of a run of `job` on `instance`; returns its id. */
export async function beginJobRun(db: Kysely<Database>, job: string, instance: string, now: Date): Promise<number> {
  const row = await db
    .insertInto('job_runs')
    .values({ job, instance, started_at: now.toISOString(), status: 'running' })
    .returning('run_id')
    .executeTakeFirstOrThrow()
  return Number(row.run_id)
}

/**
 * Marks every run of `job` still recorded as `running` as `interrupted` (its process stopped
 * before it could say how the run ended). Call it only while holding the job's lock: no run of
 * `job` is live then, so such rows are left over from a process that was killed. Returns how
 * many runs it closed.
 */
export async function closeInterruptedJobRuns(db: Kysely<Database>, job: string, now: Date): Promise<number> {
  return closeRunningJobRuns(db, 'job', job, now)
}

/** The instances (`host:pid`) that have a run of some job still recorded as `running`. */
export async function findRunningJobInstances(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('job_runs').select('instance').distinct().where('status', '=', 'running').execute()
  return rows.map((r) => r.instance)
}

/**
 * Marks every run of any job that `instance` still records as `running` as `interrupted`: call
 * it only for an instance known to be gone (a killed process on this machine). Returns how many
 * runs it closed.
 */
export async function closeJobRunsOfInstance(db: Kysely<Database>, instance: string, now: Date): Promise<number> {
  return closeRunningJobRuns(db, 'instance', instance, now)
}

// The runs still `running` whose `column` is `value`, marked interrupted; returns how many.
async function closeRunningJobRuns(db: Kysely<Database>, column: 'job' | 'instance', value: string, now: Date): Promise<number> {
  const result = await db
    .updateTable('job_runs')
    .set({ status: 'interrupted', finished_at: now.toISOString(), error: 'The process running this job stopped before the run finished.' })
    .where(column, '=', value)
    .where('status', '=', 'running')
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Records how a run ended (`error` is a user-facing sentence, free of secrets: why it failed, or
 * for a `skipped` run why there was nothing to do).
 */
export async function finishJobRun(
  db: Kysely<Database>,
  runId: number,
  end: { status: 'done' | 'failed' | 'skipped' | 'interrupted'; now: Date; error?: string | null; alerted?: boolean },
): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({ status: end.status, finished_at: end.now.toISOString(), error: end.error ?? null, alerted: end.alerted ? 1 : 0 })
    .where('run_id', '=', runId)
    .execute()
}

/** Records a tick that did not run because another instance held the job's lock. */
export async function recordSkippedJobRun(db: Kysely<Database>, job: string, instance: string, reason: string, now: Date): Promise<void> {
  const at = now.toISOString()
  await db.insertInto('job_runs').values({ job, instance, started_at: at, finished_at: at, status: 'skipped', error: reason }).execute()
}

/**
 * Whether a failed run of `job` before run `beforeRunId` and after its last success (`done`) is
 * recorded as `alerted`: the admins already heard of this failure streak.
 */
export async function isFailureStreakAlerted(db: Kysely<Database>, job: string, beforeRunId: number): Promise<boolean> {
  const row = await db
    .selectFrom('job_runs')
    .select('status')
    .where('job', '=', job)
    .where('run_id', '<', beforeRunId)
    .where((eb) => eb.or([eb('status', '=', 'done'), eb.and([eb('status', '=', 'failed'), eb('alerted', '=', 1)])]))
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.status === 'failed'
}

/** The latest job runs, newest first (skipped ticks included). */
export async function findRecentJobRuns(db: Kysely<Database>, limit = 10): Promise<JobRun[]> {
  return db.selectFrom('job_runs').selectAll().orderBy('run_id', 'desc').limit(limit).execute()
}

/** One job's latest run that was not a skipped tick, and its failure not yet followed by a success. */
export interface JobRunSummary {
  job: string
  /** The job's latest run that was not skipped (running, done, failed or interrupted). */
  lastRun: JobRun
  /** The job's latest failed run when no run of it succeeded since (null when one did, or none failed). */
  lastFailure: JobRun | null
}

/**
 * For each job that ever ran (not only skipped its ticks), by job name: its latest run that was
 * not skipped, and its latest failure when that is more recent than its latest success. Unlike
 * {@link findRecentJobRuns}, ticks skipped on other instances cannot push these out of sight.
 */
export async function findLastJobRuns(db: Kysely<Database>): Promise<JobRunSummary[]> {
  const latest = (statuses: JobRun['status'][]) =>
    db
      .selectFrom('job_runs')
      .select(['job', (eb) => eb.fn.max('run_id').as('run_id')])
      .where('status', 'in', statuses)
      .groupBy('job')
      .execute()
  const last = await latest(['running', 'done', 'failed', 'interrupted'])
  const done = new Map((await latest(['done'])).map((r) => [r.job, Number(r.run_id)]))
  const failed = new Map((await latest(['failed'])).map((r) => [r.job, Number(r.run_id)]))
  const ids = [...last.map((r) => Number(r.run_id)), ...failed.values()]
  if (ids.length === 0) return []
  const rows = new Map((await db.selectFrom('job_runs').selectAll().where('run_id', 'in', ids).execute()).map((r) => [Number(r.run_id), r]))
  return last
    .map((r) => {
      const failure = failed.get(r.job)
      const unresolved = failure !== undefined && failure > (done.get(r.job) ?? 0)
      return { job: r.job, lastRun: rows.get(Number(r.run_id)) as JobRun, lastFailure: unresolved ? (rows.get(failure) ?? null) : null }
    })
    .sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0))
}

/** Whether any run of `job` (of any status, skipped ticks included) was recorded as starting at or after `since`. */
export async function hasJobRunSince(db: Kysely<Database>, job: string, since: Date): Promise<boolean> {
  const row = await db
    .selectFrom('job_runs')
    .select('run_id')
    .where('job', '=', job)
    .where('started_at', '>=', since.toISOString())
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** When the first job run of all was recorded (ISO time): when the schedule first ran here; null when none ever was. */
export async function findFirstJobRunStart(db: Kysely<Database>): Promise<string | null> {
  const row = await db.selectFrom('job_runs').select('started_at').orderBy('started_at').limit(1).executeTakeFirst()
  return row?.started_at ?? null
}

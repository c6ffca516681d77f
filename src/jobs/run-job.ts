import { randomUUID } from 'node:crypto'
import { acquireJobLock, claimJobTick, findJobLock, releaseJobLock, renewJobLock } from '../db/acquire-job-lock.js'
import { beginJobRun, closeInterruptedJobRuns, finishJobRun, isFailureStreakAlerted, recordSkippedJobRun } from '../db/begin-job-run.js'
import type { Store } from '../db/open-store.js'
import { writeWhenFree } from '../db/write-when-free.js'
import { userMessage } from '../errors.js'
import type { Logger } from '../log/create-logger.js'
import { isJobIdle } from './idle-job.js'

/** What a job run needs around it: the store (runs and locks), a logger, who we are, how to alert. */
export interface JobContext {
  store: Store
  logger: Logger
  /** Names this app instance in `job_runs` and `job_locks` (e.g. host:pid). */
  instanceId: string
  /**
   * Sends one message to the admins (Slack DM or channel); failures to send are logged, not thrown.
   * Resolves to how many admins got it: 0 means nobody did, and the failure alert counts as not
   * sent (the next failure of the job tries again). Resolving to `undefined` counts as sent.
   */
  notifyAdmins: (text: string) => Promise<number | undefined>
  now?: () => Date
}

/**
 * How a run went. `skipped`: another instance held the job's lock, or (with `idle`) the job
 * had nothing to do (its body returned `idleJob(reason)`).
 */
export interface JobOutcome {
  job: string
  status: 'done' | 'failed' | 'skipped'
  runId: number | null
  error: string | null
  /** Set when the job ran and found nothing to do, or was paused: the reason, as recorded on the run. */
  idle?: string
  /** True when the job was paused (see `pausedJob`) rather than idle. */
  paused?: boolean
}

/** Options of {@link runJob}. */
export interface RunJobOptions {
  /** Lease on the lock; renewed every third of it while the job runs (default 30 min). */
  lockTtlMs?: number
  /**
   * The cron slot this run is for. When set, the run first claims that tick (see `claimJobTick`):
   * an instance that finds the tick claimed by another skips it, so a job runs once per tick across
   * instances even when one wakes up after the other has finished. Unset for manual runs.
   */
  tick?: Date
  /**
   * Who claims `tick` (default a token of this run): a run that tries its tick again after the
   * database went away mid-way passes the token of its first try, and finds the tick still its own.
   */
  tickHolder?: string
  /**
   * When another run of the job holds its lock (here or on another instance), wait up to this
   * long for it to end, then run (default 0: skip at once). The scoring after a retrain waits, so
   * the new model scores even when a sync's scoring was running.
   */
  waitForLockMs?: number
  /**
   * The scheduler stopping: ends that wait early, and a run that fails once it is aborted is
   * recorded as `interrupted` (it runs again at its next tick), without alerting the admins.
   */
  signal?: AbortSignal
}

/** Why a run the app's shutdown cut short did not finish. */
const STOPPED = 'The app was stopped while this run was going; it runs again at its next scheduled time.'

/** How often a run waiting for its job's lock asks again. */
const LOCK_POLL_MS = 1000

/** The lock holders (`<instance>#<run>`) whose runs are going on in this process now. */
const runningHolders = new Set<string>()

/**
 * Runs `fn` as job `name` at most once across every app instance sharing the database: with
 * `options.tick`, claims that tick first (skipping when another instance has it); then takes
 * the job's lock row (skipping, and recording a `skipped` run, when another instance holds it),
 * records the run in `job_runs` (first marking runs of the job that a killed process left
 * `running` as `interrupted`), and on failure alerts the admins once per failure streak (a
 * job failing every tick alerts on the first failure only, or on the first whose alert reached an
 * admin when an earlier one could not be delivered; the first success after a failure says it
 * recovered). Never throws: the outcome says what happened.
 */
export async function runJob(ctx: JobContext, name: string, fn: () => Promise<unknown>, options: RunJobOptions = {}): Promise<JobOutcome> {
  const now = ctx.now ?? (() => new Date())
  const ttl = options.lockTtlMs ?? 30 * 60_000
  const holder = `${ctx.instanceId}#${randomUUID()}`
  const db = ctx.store.db
  let locked: boolean
  try {
    if (
      options.tick &&
      !(await writeWhenFree(
        db,
        (d) => claimJobTick(d, name, options.tick as Date, options.tickHolder ?? holder, now()),
        undefined,
        options.signal,
      ))
    ) {
      await recordSkippedJobRun(db, name, ctx.instanceId, 'another instance ran this tick', now()).catch(() => undefined)
      ctx.logger.info({ job: name, tick: options.tick.toISOString() }, 'job skipped: another instance took this tick')
      return { job: name, status: 'skipped', runId: null, error: null }
    }
    locked = await writeWhenFree(db, (d) => acquireJobLock(d, name, holder, ttl, now()), undefined, options.signal)
    if (!locked && (await takeBackLeftoverLock(ctx, name))) locked = await acquireJobLock(db, name, holder, ttl, now())
    const waitUntil = Date.now() + (options.waitForLockMs ?? 0)
    while (!locked && Date.now() < waitUntil && !options.signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS))
      locked = await acquireJobLock(db, name, holder, ttl, now())
    }
  } catch (error) {
    ctx.logger.error({ job: name, err: error }, 'could not take the job lock')
    return { job: name, status: 'failed', runId: null, error: userMessage(error) }
  }
  if (!locked) {
    // The lock's holder is `<instance>#<run>`: say whether the run going on is this instance's own.
    const held = await findJobLock(db, name).catch(() => null)
    const here = held?.holder.startsWith(`${ctx.instanceId}#`) ?? false
    const reason = here ? 'an earlier run of this job is still going on this instance' : 'another instance is running this job'
    await recordSkippedJobRun(db, name, ctx.instanceId, reason, now()).catch(() => undefined)
    ctx.logger.info({ job: name }, `job skipped: ${reason}`)
    return { job: name, status: 'skipped', runId: null, error: null }
  }
  runningHolders.add(holder)
  const heartbeat = setInterval(() => {
    renewJobLock(db, name, holder, ttl, now())
      .then((still) => {
        if (!still) ctx.logger.warn({ job: name }, 'job lock lost while running')
      })
      .catch(() => undefined)
  }, ttl / 3)
  heartbeat.unref()
  let runId: number
  try {
    const interrupted = await writeWhenFree(db, (d) => closeInterruptedJobRuns(d, name, now()), undefined, options.signal)
    if (interrupted > 0) ctx.logger.warn({ job: name, runs: interrupted }, 'earlier runs of this job were cut off; marked interrupted')
    runId = await writeWhenFree(db, (d) => beginJobRun(d, name, ctx.instanceId, now()), undefined, options.signal)
  } catch (error) {
    // Without a run record the job does not start: the database is not usable right now.
    clearInterval(heartbeat)
    runningHolders.delete(holder)
    await releaseJobLock(db, name, holder).catch(() => undefined)
    ctx.logger.error({ job: name, err: error }, 'could not record the job run; the job did not start')
    return { job: name, status: 'failed', runId: null, error: userMessage(error) }
  }
  ctx.logger.info({ job: name, runId }, 'job started')
  try {
    const result = await fn()
    if (isJobIdle(result)) {
      await finishJobRun(db, runId, { status: 'skipped', now: now(), error: result.idle })
      // A pause is not an empty run: the reason (a sentence with the fix) says what holds it back.
      ctx.logger.info({ job: name, runId }, result.paused ? `job paused, not run: ${result.idle}` : `job had nothing to do: ${result.idle}`)
      return { job: name, status: 'skipped', runId, error: null, idle: result.idle, ...(result.paused ? { paused: true } : {}) }
    }
    // The admins hear that a failure streak ended only when they heard of it (an alert reached one).
    const endsAlertedStreak = await isFailureStreakAlerted(db, name, runId).catch(() => false)
    await finishJobRun(db, runId, { status: 'done', now: now() })
    ctx.logger.info({ job: name, runId }, 'job done')
    if (endsAlertedStreak) await notify(ctx, `Sales Pulse: the scheduled job "${name}" ran successfully again.`)
    return { job: name, status: 'done', runId, error: null }
  } catch (error) {
    if (options.signal?.aborted) {
      await finishJobRun(db, runId, { status: 'interrupted', now: now(), error: STOPPED }).catch(() => undefined)
      ctx.logger.info({ job: name, runId }, 'job stopped: the app is shutting down')
      return { job: name, status: 'failed', runId, error: STOPPED }
    }
    const message = userMessage(error)
    ctx.logger.error({ job: name, runId, err: error }, 'job failed')
    // Once per failure streak: unless a failure since the last success already reached the admins.
    const alertedStreak = await isFailureStreakAlerted(db, name, runId).catch(() => false)
    let alerted = false
    if (!alertedStreak) {
      alerted = await notify(
        ctx,
        `Sales Pulse: the scheduled job "${name}" failed: ${message} It runs again at its next scheduled time; you will hear again only once it has succeeded.`,
      )
    }
    // The database may be what failed: the next run of the job marks this one interrupted.
    await finishJobRun(db, runId, { status: 'failed', now: now(), error: message, alerted }).catch((e: unknown) =>
      ctx.logger.error({ job: name, runId, err: e }, 'could not record the job run as failed'),
    )
    return { job: name, status: 'failed', runId, error: message }
  } finally {
    clearInterval(heartbeat)
    runningHolders.delete(holder)
    await releaseJobLock(db, name, holder).catch(() => undefined)
  }
}

/**
 * Gives back `job`'s lock when this process holds it for a run that is no longer going (its
 * release failed: the database was unreachable as the run ended), so the job is not skipped
 * until the lease runs out. True when it gave the lock back.
 */
async function takeBackLeftoverLock(ctx: JobContext, job: string): Promise<boolean> {
  const held = await findJobLock(ctx.store.db, job)
  if (!held?.holder.startsWith(`${ctx.instanceId}#`) || runningHolders.has(held.holder)) return false
  await releaseJobLock(ctx.store.db, job, held.holder)
  ctx.logger.info({ job }, 'took back the lock an earlier run of this job on this instance could not give back')
  return true
}

// True when the message reached at least one admin (a sender that does not count is taken at its word).
async function notify(ctx: JobContext, text: string): Promise<boolean> {
  try {
    const sent = await ctx.notifyAdmins(text)
    if (sent === 0) ctx.logger.warn('no admin could be alerted; the next failure of the job tries again')
    return sent !== 0
  } catch (error) {
    ctx.logger.error({ err: error }, 'could not alert the admins')
    return false
  }
}

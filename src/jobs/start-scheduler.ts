import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import cron, { type ScheduledTask } from 'node-cron'
import type { Config, JobSchedules } from '../config.js'
import { claimJobTick } from '../db/acquire-job-lock.js'
import { findFirstJobRunStart, hasJobRunSince, recordSkippedJobRun } from '../db/begin-job-run.js'
import type { Store } from '../db/open-store.js'
import { writeWhenFree } from '../db/write-when-free.js'
import { dateInZone } from '../domain/dates.js'
import { AppError } from '../errors.js'
import type { Logger } from '../log/create-logger.js'
import { findDstSkippedDays } from './find-dst-skipped-days.js'
import { findLastDueTick } from './find-last-due-tick.js'
import { type JobContext, type JobOutcome, runJob } from './run-job.js'

/**
 * The job bodies, owned by other areas and passed in: `sync` (CRM, e.g. `createSyncJob`),
 * `score` (score open deals), `refreshHome` (republish the Home tabs), `retrain` (the model),
 * `stalledAlerts` (owner DMs), `anomalyCheck` (win-rate anomaly alert). Each gets a signal that
 * is aborted when the scheduler stops: a body that can stop early (an outbox drain leaving the
 * rest pending) should, so that a stopping instance ends its run, and gives its job back, at once.
 */
export interface SchedulerJobs {
  sync: (signal: AbortSignal) => Promise<unknown>
  score: (signal: AbortSignal) => Promise<unknown>
  refreshHome: (signal: AbortSignal) => Promise<unknown>
  retrain: (signal: AbortSignal) => Promise<unknown>
  stalledAlerts: (signal: AbortSignal) => Promise<unknown>
  anomalyCheck: (signal: AbortSignal) => Promise<unknown>
}

/** What {@link startScheduler} needs. */
export interface SchedulerDeps {
  store: Store
  config: Config
  logger: Logger
  jobs: SchedulerJobs
  /** Sends one message to the admins; used once per failure streak of a job (see `JobContext.notifyAdmins`). */
  notifyAdmins: JobContext['notifyAdmins']
  /** Names this instance in job runs and locks (default `hostname:pid`). */
  instanceId?: string
  /** How often a scheduled run that could not reach the database tries again (default 1 minute); see {@link startScheduler}. */
  unreachableRetryMs?: number
  /** How long after its slot such a run keeps trying (default {@link LATE_TICK_TOLERANCE_MS}). */
  unreachableGiveUpMs?: number
  /** The clock (default the system's): when the scheduler starts, for catching up, and the times runs record. */
  now?: () => Date
}

/** How long the scoring after a retrain waits for a scoring already going to end. */
const SCORE_WAIT_MS = 10 * 60_000

/** A scheduled entry: `sync` runs sync, then score and the Home refresh; `retrain` then scores. */
export type ScheduleName = keyof JobSchedules

/** The running schedule. */
export interface Scheduler {
  /** Runs an entry now (as a tick would), returning each step's outcome. */
  runNow(name: ScheduleName): Promise<JobOutcome[]>
  /** Stops every task, aborts the signal the running job bodies got, and waits for them. */
  stop(): Promise<void>
}

/** The job each entry starts with: the name its ticks are recorded under in `job_runs`. */
const FIRST_JOB: Record<ScheduleName, string> = {
  sync: 'sync',
  retrain: 'retrain',
  stalledAlerts: 'stalled-alerts',
  anomalyCheck: 'anomaly-check',
}

/**
 * How late a tick may fire and still run (node-cron's default is one second). A tick fires late
 * when the event loop was busy at its slot (a chart render, a training step, a loaded machine) or
 * the process was paused; a daily job would otherwise be dropped for the day. A tick later than
 * this, or overtaken by the next slot, is recorded as a `skipped` run instead.
 */
export const LATE_TICK_TOLERANCE_MS = 15 * 60_000

const HOUR_MS = 60 * 60_000

/**
 * How recent a tick missed while every instance was stopped must be for the scheduler to run it
 * late when it starts (see {@link startScheduler}): the sync at once whenever its latest tick was
 * missed, the retrain within a day, the daily DMs and anomaly check within 3 hours and on the same
 * day (in `PULSE_TZ`). An older missed tick is recorded as `skipped` instead.
 */
export const CATCH_UP_WINDOWS: Readonly<Record<ScheduleName, { withinMs: number; sameDay: boolean }>> = {
  sync: { withinMs: Number.POSITIVE_INFINITY, sameDay: false },
  retrain: { withinMs: 24 * HOUR_MS, sameDay: false },
  stalledAlerts: { withinMs: 3 * HOUR_MS, sameDay: true },
  anomalyCheck: { withinMs: 3 * HOUR_MS, sameDay: true },
}

/** How far back the scheduler looks for a job's latest tick when it starts (a weekly schedule's, and a day more). */
export const CATCH_UP_LOOKBACK_MS = 8 * 24 * HOUR_MS

/** How often a scheduled run that could not reach the database tries again, by default. */
export const UNREACHABLE_RETRY_MS = 60_000

const VARIABLES: Record<ScheduleName, string> = {
  sync: 'PULSE_SYNC_SCHEDULE',
  retrain: 'PULSE_RETRAIN_SCHEDULE',
  stalledAlerts: 'PULSE_ALERTS_SCHEDULE',
  anomalyCheck: 'PULSE_ANOMALY_SCHEDULE',
}

/**
 * Warns, once per schedule, of the days in the coming year on which it will not run because the
 * clocks of `PULSE_TZ` skip every time it names that day (node-cron fires only on times that exist).
 */
export function warnOfDstSkippedDays(config: Config, logger: Logger, now: Date): void {
  for (const [name, variable] of Object.entries(VARIABLES) as Array<[ScheduleName, string]>) {
    const skipped = findDstSkippedDays(config.schedules[name], config.timezone, now)
    const first = skipped[0]
    if (first === undefined) continue
    logger.warn(
      { variable, schedule: config.schedules[name], timezone: config.timezone, days: skipped.map((d) => d.date) },
      `${variable} "${config.schedules[name]}" will not run on ${skipped.map((d) => d.date).join(', ')}: ${config.timezone} skips ${first.gap} when its clocks go forward, and ${first.at} falls in it. Pick a time outside ${first.gap}.`,
    )
  }
}

/**
 * Starts the job schedule (node-cron, `noOverlap`, in `PULSE_TZ`): every 4 hours the CRM sync
 * followed by scoring and the Home refresh; weekly the retrain (then scoring); weekday mornings
 * the stalled-deal DMs; daily the anomaly check (each schedule configurable, see `JobSchedules`).
 * Every step runs through `runJob`: logged in `job_runs`, guarded by a lock row so two instances
 * never run the same job at once, admins alerted once per failure streak. A scheduled tick is
 * claimed by its cron slot first, so with several instances on one database each entry runs
 * once per tick (the others record a `skipped` run). A scheduled run that cannot reach the
 * database (PostgreSQL restarting, the SQLite file gone) tries again every minute for up to
 * {@link LATE_TICK_TOLERANCE_MS} after its slot, so an outage of a few minutes at 9:00 delays the
 * morning's DMs instead of dropping them for the day; a tick that still could not run is recorded
 * as a `skipped` run, with the reason, once the database answers again.
 *
 * On start, each entry whose latest due tick (within {@link CATCH_UP_LOOKBACK_MS}) has no run
 * recorded at or after it, and came after the first run ever recorded (so never on a first
 * start), was missed while every instance was stopped: a recent one (see {@link CATCH_UP_WINDOWS})
 * runs once, late, logged as a catch-up and claimed like any tick (so with several instances
 * starting together it runs once); an older one is recorded as a `skipped` run whose reason starts
 * with "missed while stopped".
 *
 * @throws AppError `bad_config` naming the variable of a malformed schedule or time zone.
 */
export function startScheduler(deps: SchedulerDeps): Scheduler {
  const { config, jobs } = deps
  validateSchedules(config)
  warnOfDstSkippedDays(config, deps.logger, new Date())
  const ctx: JobContext = {
    store: deps.store,
    logger: deps.logger,
    instanceId: deps.instanceId ?? `${hostname()}:${process.pid}`,
    notifyAdmins: deps.notifyAdmins,
    ...(deps.now ? { now: deps.now } : {}),
  }
  const startedAt = (deps.now ?? (() => new Date()))()
  // Aborted by `stop()`: running bodies stop early, and no further step of an entry starts.
  const stopping = new AbortController()
  const { signal } = stopping
  const body = (fn: (signal: AbortSignal) => Promise<unknown>) => () => fn(signal)
  // `tick` is the cron slot (same instant on every instance), `claim` who claims it (the same on
  // each try of one tick); both unset for `runNow`.
  const entries: Record<ScheduleName, (tick?: Date, claim?: string) => Promise<JobOutcome[]>> = {
    sync: async (tick, claim) => {
      const sync = await runJob(ctx, 'sync', body(jobs.sync), { lockTtlMs: 2 * 60 * 60_000, tick, tickHolder: claim, signal })
      // A sync with nothing to do (no CRM configured: CSV imports only) still rescores and refreshes Home.
      if ((sync.status !== 'done' && sync.idle === undefined) || signal.aborted) return [sync]
      const score = await runJob(ctx, 'score', body(jobs.score), { signal })
      if (signal.aborted) return [sync, score]
      const home = await runJob(ctx, 'refresh-home', body(jobs.refreshHome), { signal })
      return [sync, score, home]
    },
    retrain: async (tick, claim) => {
      const retrain = await runJob(ctx, 'retrain', body(jobs.retrain), { lockTtlMs: 2 * 60 * 60_000, tick, tickHolder: claim, signal })
      if (retrain.status !== 'done' || signal.aborted) return [retrain]
      // The new model must score: a scoring already going (a sync's) is waited for, not skipped.
      return [retrain, await runJob(ctx, 'score', body(jobs.score), { waitForLockMs: SCORE_WAIT_MS, signal })]
    },
    stalledAlerts: async (tick, claim) => [
      await runJob(ctx, 'stalled-alerts', body(jobs.stalledAlerts), { tick, tickHolder: claim, signal }),
    ],
    anomalyCheck: async (tick, claim) => [await runJob(ctx, 'anomaly-check', body(jobs.anomalyCheck), { tick, tickHolder: claim, signal })],
  }
  const running = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p)
    p.finally(() => running.delete(p)).catch(() => undefined)
    return p
  }
  // A tick node-cron does not run (missed, or the previous run still going) leaves a `skipped` run.
  const recordSkip = (name: ScheduleName, tick: Date, reason: string) => {
    deps.logger.warn({ job: FIRST_JOB[name], tick: tick.toISOString() }, `job skipped: ${reason}`)
    void track(
      recordSkippedJobRun(deps.store.db, FIRST_JOB[name], ctx.instanceId, reason, new Date()).catch((error) =>
        deps.logger.error({ job: FIRST_JOB[name], err: error }, 'could not record the skipped tick'),
      ),
    )
  }
  // Ticks that found the database out of reach for their whole window, recorded once it answers.
  const unrecorded: Array<{ job: string; at: Date; reason: string }> = []
  let recording: Promise<void> | undefined
  // One writer at a time, so two entries starting together do not record a lost tick twice.
  const recordUnrecorded = (): Promise<void> => {
    if (unrecorded.length === 0) return Promise.resolve()
    if (!recording) {
      const writing = (async () => {
        for (let missed = unrecorded[0]; missed !== undefined; missed = unrecorded[0]) {
          await recordSkippedJobRun(deps.store.db, missed.job, ctx.instanceId, missed.reason, missed.at)
          unrecorded.shift()
        }
      })()
      // Still out of reach: what is left is kept for the next run.
      recording = writing
        .catch(() => undefined)
        .finally(() => {
          recording = undefined
        })
    }
    return recording
  }
  const retryMs = deps.unreachableRetryMs ?? UNREACHABLE_RETRY_MS
  const giveUpMs = deps.unreachableGiveUpMs ?? LATE_TICK_TOLERANCE_MS
  // Failed without a run id: the run could not claim its tick, take its lock or be recorded.
  const unreachable = (outcome: JobOutcome | undefined) => outcome?.status === 'failed' && outcome.runId === null
  const runTick = async (name: ScheduleName, tick: Date): Promise<JobOutcome[]> => {
    await recordUnrecorded()
    // Every try claims the tick as the same holder: a claim the first try made before the database went away stays its own.
    const claim = `${ctx.instanceId}#${randomUUID()}`
    for (;;) {
      const outcomes = await entries[name](tick, claim)
      if (!unreachable(outcomes[0]) || signal.aborted) return outcomes
      const job = FIRST_JOB[name]
      if (Date.now() + retryMs - tick.getTime() > giveUpMs) {
        const reason = `the ${tick.toISOString()} tick could not run: the database could not be reached (${outcomes[0]?.error ?? 'no reason given'})`
        deps.logger.error({ job, tick: tick.toISOString() }, `job skipped: ${reason}`)
        unrecorded.push({ job, at: new Date(), reason })
        await recordUnrecorded()
        return outcomes
      }
      deps.logger.warn(
        { job, tick: tick.toISOString(), retryInMs: retryMs },
        `the database could not be reached for this run; trying again in ${Math.round(retryMs / 1000)} s`,
      )
      await sleepUnlessStopped(retryMs, signal)
      if (signal.aborted) return outcomes
      await recordUnrecorded()
    }
  }
  const tasks: ScheduledTask[] = (Object.keys(entries) as ScheduleName[]).map((name) => {
    const task = cron.schedule(config.schedules[name], (context) => track(runTick(name, context.date)), {
      name: `pulse-${name}`,
      timezone: config.timezone,
      noOverlap: true,
      missedExecutionTolerance: LATE_TICK_TOLERANCE_MS,
    })
    task.on('execution:missed', (context) =>
      recordSkip(name, context.date, `the ${context.date.toISOString()} tick was missed: the process was busy or paused at that time`),
    )
    task.on('execution:overlap', (context) =>
      recordSkip(name, context.date, `the ${context.date.toISOString()} tick came while the previous run of this job was still going`),
    )
    return task
  })
  deps.logger.info({ schedules: config.schedules, timezone: config.timezone }, 'job schedule started')
  // The latest tick of an entry, missed while every instance was stopped: run late or recorded as skipped.
  const catchUp = async (name: ScheduleName, since: string): Promise<void> => {
    const job = FIRST_JOB[name]
    const tick = findLastDueTick(config.schedules[name], config.timezone, startedAt, CATCH_UP_LOOKBACK_MS)
    if (!tick || tick.toISOString() <= since || signal.aborted || (await hasJobRunSince(deps.store.db, job, tick))) return
    const window = CATCH_UP_WINDOWS[name]
    const late = startedAt.getTime() - tick.getTime()
    const sameDay = dateInZone(tick.getTime(), config.timezone) === dateInZone(startedAt.getTime(), config.timezone)
    if (late <= window.withinMs && (sameDay || !window.sameDay)) {
      deps.logger.warn(
        { job, tick: tick.toISOString(), catchUp: true },
        `catch-up: the ${tick.toISOString()} tick was missed while the app was stopped; running it now`,
      )
      const outcomes = await runTick(name, tick)
      deps.logger.info(
        { job, tick: tick.toISOString(), catchUp: true, outcomes: outcomes.map((o) => `${o.job}: ${o.status}`) },
        'catch-up run ended',
      )
      return
    }
    // Claimed like a tick, so instances starting together record it once.
    const holder = `${ctx.instanceId}#${randomUUID()}`
    if (!(await writeWhenFree(deps.store.db, (d) => claimJobTick(d, job, tick, holder, startedAt), undefined, signal))) return
    const reason = `missed while stopped: no instance was running at the ${tick.toISOString()} tick, and it is too late to run it now (the next tick runs as usual)`
    deps.logger.warn({ job, tick: tick.toISOString() }, `job skipped: ${reason}`)
    await writeWhenFree(deps.store.db, (d) => recordSkippedJobRun(d, job, ctx.instanceId, reason, startedAt), undefined, signal)
  }
  void track(
    (async () => {
      const since = await findFirstJobRunStart(deps.store.db)
      // No run ever recorded: a first start, with nothing it could have missed.
      if (since === null) return
      await Promise.all(
        (Object.keys(entries) as ScheduleName[]).map((name) =>
          catchUp(name, since).catch((error) =>
            deps.logger.error({ job: FIRST_JOB[name], err: error }, 'could not catch up on a missed tick'),
          ),
        ),
      )
    })().catch((error) => deps.logger.error({ err: error }, 'could not look for ticks missed while the app was stopped')),
  )
  return {
    runNow: (name) => track(recordUnrecorded().then(() => entries[name]())),
    async stop() {
      stopping.abort()
      for (const t of tasks) await t.destroy()
      await Promise.allSettled([...running])
    },
  }
}

/** Waits `ms`, or less when `signal` is aborted first. */
function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
}

/**
 * Checks every schedule and the time zone.
 * @throws AppError `bad_config` naming the variable to fix.
 */
export function validateSchedules(config: Config): void {
  for (const [name, variable] of Object.entries(VARIABLES) as Array<[ScheduleName, string]>) {
    if (!cron.validate(config.schedules[name])) {
      throw new AppError(
        'bad_config',
        `${variable} "${config.schedules[name]}" is not a cron expression. Use five fields (minute hour day month weekday), or six with seconds first, e.g. "0 */4 * * *".`,
      )
    }
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: config.timezone })
  } catch {
    throw new AppError('bad_config', `PULSE_TZ "${config.timezone}" is not a time zone. Use an IANA name such as Europe/Berlin or UTC.`)
  }
}

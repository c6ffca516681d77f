import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { idleJob } from '../../src/jobs/idle-job.js'
import { type Scheduler, type SchedulerJobs, startScheduler } from '../../src/jobs/start-scheduler.js'
import { createLogger, silentLogger } from '../../src/log/create-logger.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { openTestStore } from '../helpers/test-store.js'
import { openTwoInstances } from './two-instances.js'

let store: Store | undefined
let scheduler: Scheduler | undefined
afterEach(async () => {
  await scheduler?.stop()
  await store?.close()
  scheduler = undefined
})

const NEVER = '0 0 1 1 *'

/** A configuration whose schedules never fire during a test: jobs run only through `runNow`. */
const manualOnly = () =>
  loadConfig({ PULSE_SYNC_SCHEDULE: NEVER, PULSE_RETRAIN_SCHEDULE: NEVER, PULSE_ALERTS_SCHEDULE: NEVER, PULSE_ANOMALY_SCHEDULE: NEVER })

function jobs(calls: string[], overrides: Partial<SchedulerJobs> = {}): SchedulerJobs {
  const job = (name: string) => async () => void calls.push(name)
  return {
    sync: job('sync'),
    score: job('score'),
    refreshHome: job('refreshHome'),
    retrain: job('retrain'),
    stalledAlerts: job('stalledAlerts'),
    anomalyCheck: job('anomalyCheck'),
    ...overrides,
  }
}

describe('startScheduler', () => {
  it('runs the sync on its schedule, then scores and refreshes Home; a slow run never overlaps itself', async () => {
    store = await openTestStore()
    const calls: string[] = []
    let active = 0
    let maxActive = 0
    const config = loadConfig({
      PULSE_SYNC_SCHEDULE: '* * * * * *',
      PULSE_RETRAIN_SCHEDULE: NEVER,
      PULSE_ALERTS_SCHEDULE: NEVER,
      PULSE_ANOMALY_SCHEDULE: NEVER,
      PULSE_TZ: 'Europe/Berlin',
    })
    scheduler = startScheduler({
      store,
      config,
      logger: silentLogger(),
      notifyAdmins: async () => undefined,
      jobs: jobs(calls, {
        sync: async () => {
          active++
          maxActive = Math.max(maxActive, active)
          calls.push('sync')
          await new Promise((r) => setTimeout(r, 1500))
          active--
        },
      }),
    })
    await new Promise((r) => setTimeout(r, 3200))
    expect(maxActive).toBe(1)
    expect(calls.slice(0, 3)).toEqual(['sync', 'score', 'refreshHome'])
    const rows = await store.db.selectFrom('job_runs').select(['job', 'status']).where('status', '=', 'done').orderBy('run_id').execute()
    expect(rows.slice(0, 3).map((r) => r.job)).toEqual(['sync', 'score', 'refresh-home'])
  })

  it('does not score or refresh Home after a failed sync; retrain is followed by scoring', async () => {
    store = await openTestStore()
    const calls: string[] = []
    const alerts: string[] = []
    scheduler = startScheduler({
      store,
      config: manualOnly(),
      logger: silentLogger(),
      notifyAdmins: async (t) => void alerts.push(t),
      jobs: jobs(calls, {
        sync: async () => {
          throw new Error('boom')
        },
      }),
    })
    expect((await scheduler.runNow('sync')).map((o) => o.status)).toEqual(['failed'])
    expect((await scheduler.runNow('retrain')).map((o) => o.job)).toEqual(['retrain', 'score'])
    expect((await scheduler.runNow('stalledAlerts'))[0]?.job).toBe('stalled-alerts')
    expect((await scheduler.runNow('anomalyCheck'))[0]?.job).toBe('anomaly-check')
    expect(calls).toEqual(['retrain', 'score', 'stalledAlerts', 'anomalyCheck'])
    expect(alerts).toHaveLength(1)
  })

  it('a sync with nothing to do is recorded as skipped with its reason, and scoring and Home still run', async () => {
    store = await openTestStore()
    const calls: string[] = []
    scheduler = startScheduler({
      store,
      config: manualOnly(),
      logger: silentLogger(),
      notifyAdmins: async () => undefined,
      jobs: jobs(calls, { sync: async () => idleJob('No CRM is configured.') }),
    })
    const outcomes = await scheduler.runNow('sync')
    expect(outcomes.map((o) => [o.job, o.status])).toEqual([
      ['sync', 'skipped'],
      ['score', 'done'],
      ['refresh-home', 'done'],
    ])
    expect(calls).toEqual(['score', 'refreshHome'])
    const rows = await store.db.selectFrom('job_runs').select(['job', 'status', 'error', 'finished_at']).orderBy('run_id').execute()
    expect(rows[0]).toMatchObject({ job: 'sync', status: 'skipped', error: 'No CRM is configured.' })
    expect(rows[0]?.finished_at).not.toBeNull()
  })

  it('a run that stopping cuts short is recorded as interrupted, without alerting the admins', async () => {
    store = await openTestStore()
    const alerts: string[] = []
    let started!: () => void
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    scheduler = startScheduler({
      store,
      config: manualOnly(),
      logger: silentLogger(),
      notifyAdmins: async (t) => void alerts.push(t),
      jobs: jobs([], {
        retrain: (signal) =>
          new Promise((_, reject) => {
            started()
            signal.addEventListener('abort', () => reject(signal.reason), { once: true })
          }),
      }),
    })
    const outcome = scheduler.runNow('retrain')
    await running
    await scheduler.stop()
    expect((await outcome).map((o) => o.job)).toEqual(['retrain'])
    const rows = await store.db.selectFrom('job_runs').select(['job', 'status', 'error']).execute()
    expect(rows).toEqual([
      {
        job: 'retrain',
        status: 'interrupted',
        error: 'The app was stopped while this run was going; it runs again at its next scheduled time.',
      },
    ])
    expect(alerts).toEqual([])
  })

  /** A schedule (with seconds, in UTC) whose only tick in the test is `ms` from now. */
  const onceIn = (ms: number) => {
    const at = new Date(Date.now() + ms)
    return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`
  }
  const alertsAt = (schedule: string) =>
    loadConfig({
      PULSE_SYNC_SCHEDULE: NEVER,
      PULSE_RETRAIN_SCHEDULE: NEVER,
      PULSE_ALERTS_SCHEDULE: schedule,
      PULSE_ANOMALY_SCHEDULE: NEVER,
      PULSE_TZ: 'UTC',
    })
  // The tick cannot be claimed while the lock table is away, as when the database is out of reach.
  const dropLocks = (s: Store) => sql`ALTER TABLE job_locks RENAME TO job_locks_away`.execute(s.db)
  const bringLocksBack = (s: Store) => sql`ALTER TABLE job_locks_away RENAME TO job_locks`.execute(s.db)

  it('a tick that finds the database out of reach tries again, and runs once it answers', async () => {
    store = await openTestStore()
    const calls: string[] = []
    await dropLocks(store)
    scheduler = startScheduler({
      store,
      config: alertsAt(onceIn(1500)),
      logger: silentLogger(),
      notifyAdmins: async () => undefined,
      jobs: jobs(calls),
      unreachableRetryMs: 200,
    })
    await new Promise((r) => setTimeout(r, 2500))
    expect(calls).toEqual([])
    await bringLocksBack(store)
    for (let waited = 0; calls.length === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50))
    expect(calls).toEqual(['stalledAlerts'])
    const runs = await store.db.selectFrom('job_runs').select(['job', 'status']).execute()
    expect(runs).toEqual([{ job: 'stalled-alerts', status: 'done' }])
    // The run is the one of its tick: the tick is claimed, so another instance would skip it.
    const ticks = await store.db.selectFrom('job_locks').select('job').where('job', 'like', 'tick:%').execute()
    expect(ticks).toHaveLength(1)
  })

  it('a tick whose claim went through before the database went away is still run by the retry, not skipped as claimed', async () => {
    store = await openTestStore()
    const calls: string[] = []
    // The tick can be claimed and the job locked, but the run cannot be recorded: the database went away in between.
    await sql`ALTER TABLE job_runs RENAME TO job_runs_away`.execute(store.db)
    scheduler = startScheduler({
      store,
      config: alertsAt(onceIn(1000)),
      logger: silentLogger(),
      notifyAdmins: async () => undefined,
      jobs: jobs(calls),
      unreachableRetryMs: 200,
    })
    for (let waited = 0; waited < 15_000; waited += 50) {
      const claimed = await store.db.selectFrom('job_locks').select('job').where('job', 'like', 'tick:%').execute()
      if (claimed.length > 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    await new Promise((r) => setTimeout(r, 300))
    expect(calls).toEqual([])
    await sql`ALTER TABLE job_runs_away RENAME TO job_runs`.execute(store.db)
    for (let waited = 0; calls.length === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50))
    expect(calls).toEqual(['stalledAlerts'])
    const runs = await store.db.selectFrom('job_runs').select(['job', 'status']).execute()
    expect(runs).toEqual([{ job: 'stalled-alerts', status: 'done' }])
  })

  it('a tick that could not reach the database within its window is recorded as skipped, with why, once it answers', async () => {
    store = await openTestStore()
    const calls: string[] = []
    await dropLocks(store)
    await sql`ALTER TABLE job_runs RENAME TO job_runs_away`.execute(store.db)
    const logged: string[] = []
    scheduler = startScheduler({
      store,
      config: alertsAt(onceIn(1000)),
      logger: createLogger('info', { write: (line: string) => void logged.push(line) }),
      notifyAdmins: async () => undefined,
      jobs: jobs(calls),
      unreachableRetryMs: 200,
      unreachableGiveUpMs: 600,
    })
    // Until the scheduler has given the tick up (about 1.6 s; later on a busy machine).
    for (let waited = 0; !logged.some((l) => l.includes('job skipped')) && waited < 15_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50))
    await bringLocksBack(store)
    await sql`ALTER TABLE job_runs_away RENAME TO job_runs`.execute(store.db)
    expect(calls).toEqual([])
    // The next run of any job records the tick that was lost.
    await scheduler.runNow('anomalyCheck')
    const runs = await store.db.selectFrom('job_runs').select(['job', 'status', 'error']).orderBy('run_id').execute()
    expect(runs.map((r) => [r.job, r.status])).toEqual([
      ['stalled-alerts', 'skipped'],
      ['anomaly-check', 'done'],
    ])
    expect(runs[0]?.error).toMatch(/tick could not run: the database could not be reached/)
    expect(calls).toEqual(['anomalyCheck'])
  })

  it('refuses a malformed schedule or time zone, naming the variable', async () => {
    store = await openTestStore()
    const start = (env: Record<string, string>) => () =>
      startScheduler({
        store: store as Store,
        config: loadConfig(env),
        logger: silentLogger(),
        notifyAdmins: async () => undefined,
        jobs: jobs([]),
      })
    expect(start({ PULSE_SYNC_SCHEDULE: 'every four hours' })).toThrow(/PULSE_SYNC_SCHEDULE/)
    expect(start({ PULSE_ALERTS_SCHEDULE: '0 9 * * 1-9' })).toThrow(/PULSE_ALERTS_SCHEDULE/)
    expect(start({ PULSE_TZ: 'Mars/Olympus' })).toThrow(/PULSE_TZ/)
  })
})

describeEachDialect('two schedulers on one database', (dialect) => {
  const opened: Store[] = []
  const schedulers: Scheduler[] = []
  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop()
    for (const s of opened.splice(0).reverse()) await s.close()
  })

  it('run each tick of a job once between them, the other recording a skip', async () => {
    const [a, b] = await openTwoInstances(dialect, opened)
    const calls: string[] = []
    const config = loadConfig({
      PULSE_SYNC_SCHEDULE: NEVER,
      PULSE_RETRAIN_SCHEDULE: NEVER,
      PULSE_ALERTS_SCHEDULE: '* * * * * *',
      PULSE_ANOMALY_SCHEDULE: NEVER,
    })
    for (const [store, instanceId] of [
      [a, 'host-a:1'],
      [b, 'host-b:2'],
    ] as const) {
      schedulers.push(
        startScheduler({
          store,
          config,
          logger: silentLogger(),
          instanceId,
          notifyAdmins: async () => undefined,
          jobs: jobs(calls, { stalledAlerts: async () => void calls.push(instanceId) }),
        }),
      )
    }
    await new Promise((r) => setTimeout(r, 3300))
    for (const s of schedulers.splice(0)) await s.stop()
    const ticks = await a.db.selectFrom('job_locks').select('job').where('job', 'like', 'tick:stalled-alerts:%').execute()
    const runs = await a.db.selectFrom('job_runs').select(['instance', 'status', 'error']).where('job', '=', 'stalled-alerts').execute()
    expect(ticks.length).toBeGreaterThanOrEqual(3)
    expect(calls).toHaveLength(ticks.length)
    expect(runs.filter((r) => r.status === 'done')).toHaveLength(ticks.length)
    // The other instance skipped each tick (perhaps not the last one, if it was stopped first).
    const skips = runs.filter((r) => r.status === 'skipped' && r.error === 'another instance ran this tick')
    expect(skips.length).toBeGreaterThanOrEqual(ticks.length - 1)
    expect(skips.length).toBeLessThanOrEqual(ticks.length)
  })
})

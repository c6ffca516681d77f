import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { type Scheduler, type SchedulerJobs, startScheduler } from '../../src/jobs/start-scheduler.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { openTestStore } from '../helpers/test-store.js'
import { openTwoInstances } from './two-instances.js'

const NEVER = '0 0 1 1 *'

/** The defaults' weekday 09:00 DMs and Monday 03:00 retrain, every-4-hours sync; the anomaly check never. */
const config = (env: Record<string, string> = {}) =>
  loadConfig({
    PULSE_SYNC_SCHEDULE: NEVER,
    PULSE_RETRAIN_SCHEDULE: NEVER,
    PULSE_ALERTS_SCHEDULE: '0 9 * * 1-5',
    PULSE_ANOMALY_SCHEDULE: NEVER,
    PULSE_TZ: 'UTC',
    ...env,
  })

function jobs(calls: string[]): SchedulerJobs {
  const job = (name: string) => async () => void calls.push(name)
  return {
    sync: job('sync'),
    score: job('score'),
    refreshHome: job('refreshHome'),
    retrain: job('retrain'),
    stalledAlerts: job('stalledAlerts'),
    anomalyCheck: job('anomalyCheck'),
  }
}

/** Records a finished run of `job` at `at`, as an earlier instance would have. */
async function ranAt(store: Store, job: string, at: string): Promise<void> {
  await store.db.insertInto('job_runs').values({ job, instance: 'host-old:1', started_at: at, finished_at: at, status: 'done' }).execute()
}

/** The runs recorded after the ones a test set up, oldest first. */
async function runsAfter(store: Store, setUp: number) {
  const rows = await store.db.selectFrom('job_runs').select(['job', 'status', 'error', 'started_at']).orderBy('run_id').execute()
  return rows.slice(setUp)
}

/** Waits until `store` holds `n` finished runs (or gives up after 15 s: a busy machine is slow). */
async function untilRuns(store: Store, n: number): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 25) {
    const row = await store.db
      .selectFrom('job_runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '!=', 'running')
      .executeTakeFirstOrThrow()
    if (Number(row.n) >= n) return
    await new Promise((r) => setTimeout(r, 25))
  }
}

const settle = () => new Promise((r) => setTimeout(r, 300))

describe('startScheduler, after every instance was stopped', () => {
  let store: Store | undefined
  let scheduler: Scheduler | undefined
  afterEach(async () => {
    await scheduler?.stop()
    await store?.close()
    scheduler = undefined
  })

  const start = (s: Store, now: string, calls: string[], env: Record<string, string> = {}) =>
    startScheduler({
      store: s,
      config: config(env),
      logger: silentLogger(),
      notifyAdmins: async () => undefined,
      jobs: jobs(calls),
      now: () => new Date(now),
    })

  it('runs the 09:00 stalled-deal DMs once, late, when the host was down from 08:50 to 09:20', async () => {
    store = await openTestStore()
    await ranAt(store, 'stalled-alerts', '2026-11-26T09:00:01.000Z')
    const calls: string[] = []
    scheduler = start(store, '2026-11-27T09:20:00.000Z', calls)
    await untilRuns(store, 2)
    expect(calls).toEqual(['stalledAlerts'])
    expect((await runsAfter(store, 1)).map((r) => [r.job, r.status])).toEqual([['stalled-alerts', 'done']])
    // Claimed as the 09:00 tick: an instance starting too, or still running, cannot run it again.
    const ticks = await store.db.selectFrom('job_locks').select('job').where('job', 'like', 'tick:%').execute()
    expect(ticks.map((t) => t.job)).toEqual(['tick:stalled-alerts:2026-11-27T09:00:00.000Z'])
    // A second start does not run it again.
    await scheduler.stop()
    scheduler = start(store, '2026-11-27T09:25:00.000Z', calls)
    await settle()
    expect(calls).toEqual(['stalledAlerts'])
    expect(await runsAfter(store, 2)).toEqual([])
  })

  it('records a tick too old to run late as skipped, missed while stopped, and runs nothing', async () => {
    store = await openTestStore()
    await ranAt(store, 'stalled-alerts', '2026-11-26T09:00:01.000Z')
    const calls: string[] = []
    scheduler = start(store, '2026-11-27T14:00:00.000Z', calls)
    await untilRuns(store, 2)
    const runs = await runsAfter(store, 1)
    expect(runs.map((r) => [r.job, r.status])).toEqual([['stalled-alerts', 'skipped']])
    expect(runs[0]?.error).toMatch(/^missed while stopped: .*2026-11-27T09:00:00\.000Z/)
    await settle()
    expect(calls).toEqual([])
    // Recorded once: the next start finds it.
    await scheduler.stop()
    scheduler = start(store, '2026-11-27T15:00:00.000Z', calls)
    await settle()
    expect(await runsAfter(store, 2)).toEqual([])
  })

  it('does not carry a daily tick over to the next day, even within the hours it would run late', async () => {
    store = await openTestStore()
    await ranAt(store, 'stalled-alerts', '2026-11-25T23:00:01.000Z')
    const calls: string[] = []
    scheduler = start(store, '2026-11-27T00:30:00.000Z', calls, { PULSE_ALERTS_SCHEDULE: '0 23 * * *' })
    await untilRuns(store, 2)
    await settle()
    expect(calls).toEqual([])
    expect((await runsAfter(store, 1)).map((r) => [r.job, r.status])).toEqual([['stalled-alerts', 'skipped']])
  })

  it('catches up the missed sync tick and a retrain missed within a day, each followed by its steps', async () => {
    store = await openTestStore()
    await ranAt(store, 'sync', '2026-11-20T00:00:01.000Z')
    await ranAt(store, 'retrain', '2026-11-16T03:00:01.000Z')
    const calls: string[] = []
    // Tuesday 02:59: the sync tick of 00:00 and Monday's 03:00 retrain were missed.
    scheduler = start(store, '2026-11-24T02:59:00.000Z', calls, {
      PULSE_SYNC_SCHEDULE: '0 */4 * * *',
      PULSE_RETRAIN_SCHEDULE: '0 3 * * 1',
      PULSE_ALERTS_SCHEDULE: NEVER,
    })
    await untilRuns(store, 7)
    expect([...calls].sort()).toEqual(['refreshHome', 'retrain', 'score', 'score', 'sync'])
    const ticks = await store.db.selectFrom('job_locks').select('job').where('job', 'like', 'tick:%').orderBy('job').execute()
    expect(ticks.map((t) => t.job)).toEqual(['tick:retrain:2026-11-23T03:00:00.000Z', 'tick:sync:2026-11-24T00:00:00.000Z'])
  })

  it('does not run again the tick of a wall-clock time the clocks passed twice, after a restart in the second pass', async () => {
    store = await openTestStore()
    // 01:30 on 1 November 2026 in New York: node-cron fired at 05:30 UTC (EDT); 01:30 EST (06:30 UTC) is no tick of its.
    await ranAt(store, 'stalled-alerts', '2026-11-01T05:30:01.000Z')
    const calls: string[] = []
    scheduler = start(store, '2026-11-01T07:00:00.000Z', calls, { PULSE_ALERTS_SCHEDULE: '30 1 * * *', PULSE_TZ: 'America/New_York' })
    await settle()
    expect(calls).toEqual([])
    expect(await runsAfter(store, 1)).toEqual([])
  })

  it('catches up on nothing on a first start, or for a tick already run or from before the first run', async () => {
    store = await openTestStore()
    const calls: string[] = []
    scheduler = start(store, '2026-11-27T09:20:00.000Z', calls)
    await settle()
    expect(calls).toEqual([])
    expect(await runsAfter(store, 0)).toEqual([])
    await scheduler.stop()
    // Run at 09:00 by an instance since stopped; the retrain's last tick came before any run here.
    await ranAt(store, 'stalled-alerts', '2026-11-27T09:00:02.000Z')
    scheduler = start(store, '2026-11-27T09:20:00.000Z', calls, { PULSE_RETRAIN_SCHEDULE: '0 3 * * 1' })
    await settle()
    expect(calls).toEqual([])
    expect(await runsAfter(store, 1)).toEqual([])
  })
})

describeEachDialect('two schedulers starting after a missed tick', (dialect) => {
  const opened: Store[] = []
  const schedulers: Scheduler[] = []
  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop()
    for (const s of opened.splice(0).reverse()) await s.close()
  })

  it('run it once between them', async () => {
    const [a, b] = await openTwoInstances(dialect, opened)
    await ranAt(a, 'stalled-alerts', '2026-11-26T09:00:01.000Z')
    await ranAt(a, 'anomaly-check', '2026-11-20T08:00:01.000Z')
    const calls: string[] = []
    for (const [store, instanceId] of [
      [a, 'host-a:1'],
      [b, 'host-b:2'],
    ] as const) {
      schedulers.push(
        startScheduler({
          store,
          config: config({ PULSE_ANOMALY_SCHEDULE: '0 8 * * *' }),
          logger: silentLogger(),
          instanceId,
          notifyAdmins: async () => undefined,
          jobs: { ...jobs(calls), stalledAlerts: async () => void calls.push(instanceId) },
          now: () => new Date('2026-11-27T11:30:00.000Z'),
        }),
      )
    }
    // DMs: one run, the other instance skipping; anomaly check (08:00, 3.5 hours ago): one skip record.
    await untilRuns(a, 5)
    await settle()
    for (const s of schedulers.splice(0)) await s.stop()
    expect(calls).toHaveLength(1)
    const runs = await runsAfter(a, 2)
    const dms = runs.filter((r) => r.job === 'stalled-alerts')
    expect(dms.map((r) => r.status).sort()).toEqual(['done', 'skipped'])
    expect(dms.find((r) => r.status === 'skipped')?.error).toBe('another instance ran this tick')
    const checks = runs.filter((r) => r.job === 'anomaly-check')
    expect(checks).toHaveLength(1)
    expect(checks[0]?.error).toMatch(/^missed while stopped/)
  })
})

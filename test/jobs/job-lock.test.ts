import { afterEach, expect, it } from 'vitest'
import { acquireJobLock, claimJobTick, findJobLock, jobTickKey, releaseJobLock, renewJobLock } from '../../src/db/acquire-job-lock.js'
import type { Store } from '../../src/db/open-store.js'
import { type JobContext, runJob } from '../../src/jobs/run-job.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { describeEachDialect, type TestDialect } from '../helpers/each-dialect.js'
import { openTwoInstances } from './two-instances.js'

const stores: Store[] = []
afterEach(async () => {
  // The first store of a pair drops the Postgres schema: close the others first.
  for (const s of stores.splice(0).reverse()) await s.close()
})
const twoInstances = (dialect: TestDialect) => openTwoInstances(dialect, stores)

function context(store: Store, instanceId: string): JobContext {
  return { store, logger: silentLogger(), instanceId, notifyAdmins: async () => undefined }
}

const T0 = new Date('2024-07-22T09:00:00.000Z')
const later = (ms: number) => new Date(T0.getTime() + ms)

describeEachDialect('job locks', (dialect) => {
  it('of many instances asking at once, exactly one gets the lease', async () => {
    const [a, b] = await twoInstances(dialect)
    const asks = Array.from({ length: 16 }, (_, i) => acquireJobLock((i % 2 ? a : b).db, 'sync', `holder-${i}`, 60_000, T0))
    const won = (await Promise.all(asks)).map((ok, i) => (ok ? `holder-${i}` : null)).filter((h) => h !== null)
    expect(won).toHaveLength(1)
    expect((await findJobLock(a.db, 'sync'))?.holder).toBe(won[0])
  })

  it('a lease is renewed by its holder only, taken over once it expired, and released by its holder only', async () => {
    const [a, b] = await twoInstances(dialect)
    expect(await acquireJobLock(a.db, 'retrain', 'a#1', 60_000, T0)).toBe(true)
    expect(await acquireJobLock(b.db, 'retrain', 'b#1', 60_000, later(59_999))).toBe(false)
    expect(await renewJobLock(b.db, 'retrain', 'b#1', 60_000, later(1000))).toBe(false)
    expect(await renewJobLock(a.db, 'retrain', 'a#1', 60_000, later(30_000))).toBe(true)
    // Renewed until T0 + 90 s: still held at 60 s, free at 90 s (its holder died without releasing).
    expect(await acquireJobLock(b.db, 'retrain', 'b#2', 60_000, later(60_000))).toBe(false)
    expect(await acquireJobLock(b.db, 'retrain', 'b#3', 60_000, later(90_000))).toBe(true)
    expect(await renewJobLock(a.db, 'retrain', 'a#1', 60_000, later(90_001))).toBe(false)
    await releaseJobLock(a.db, 'retrain', 'a#1')
    expect((await findJobLock(a.db, 'retrain'))?.holder).toBe('b#3')
    await releaseJobLock(b.db, 'retrain', 'b#3')
    expect(await findJobLock(a.db, 'retrain')).toBeNull()
  })

  it('a tick is claimed once, however late the other instances ask; old claims are cleaned up', async () => {
    const [a, b] = await twoInstances(dialect)
    const asks = Array.from({ length: 16 }, (_, i) => claimJobTick((i % 2 ? a : b).db, 'stalled-alerts', T0, `holder-${i}`, later(10)))
    expect((await Promise.all(asks)).filter(Boolean)).toHaveLength(1)
    expect(await claimJobTick(a.db, 'stalled-alerts', T0, 'late', later(3_600_000))).toBe(false)
    // The winner asking again (its run trying again after the database went away) still has it; nobody else does.
    const winner = (await findJobLock(a.db, jobTickKey('stalled-alerts', T0)))?.holder as string
    expect(winner).toMatch(/^holder-/)
    expect(await claimJobTick(b.db, 'stalled-alerts', T0, winner, later(20))).toBe(true)
    expect((await findJobLock(a.db, jobTickKey('stalled-alerts', T0)))?.holder).toBe(winner)
    expect(await claimJobTick(a.db, 'stalled-alerts', T0, 'late-again', later(30))).toBe(false)
    expect(await claimJobTick(a.db, 'stalled-alerts', later(1000), 'next', later(1000))).toBe(true)
    expect(await claimJobTick(b.db, 'anomaly-check', T0, 'other-job', later(10))).toBe(true)
    // A day later the claims of T0 are gone; the job's lease rows are never touched by the cleanup.
    await acquireJobLock(a.db, 'sync', 'a#1', 60_000, T0)
    await claimJobTick(a.db, 'stalled-alerts', later(2 * 86_400_000), 'day-3', later(2 * 86_400_000))
    const keys = (await a.db.selectFrom('job_locks').select('job').orderBy('job').execute()).map((r) => r.job)
    expect(keys).toEqual(['sync', jobTickKey('stalled-alerts', later(2 * 86_400_000))])
  })

  it('runJob with a tick runs once across instances even when the second wakes up after the first finished', async () => {
    const [a, b] = await twoInstances(dialect)
    let runs = 0
    const job = async () => {
      runs++
    }
    const tick = new Date()
    tick.setMilliseconds(0)
    const first = await runJob(context(a, 'host-a'), 'stalled-alerts', job, { tick })
    const late = await runJob(context(b, 'host-b'), 'stalled-alerts', job, { tick })
    expect([first.status, late.status]).toEqual(['done', 'skipped'])
    const both = await Promise.all([
      runJob(context(a, 'host-a'), 'stalled-alerts', job, { tick: new Date(tick.getTime() + 1000) }),
      runJob(context(b, 'host-b'), 'stalled-alerts', job, { tick: new Date(tick.getTime() + 1000) }),
    ])
    expect(both.map((o) => o.status).sort()).toEqual(['done', 'skipped'])
    expect(runs).toBe(2)
    const rows = await a.db.selectFrom('job_runs').select(['status', 'error']).where('status', '=', 'skipped').execute()
    expect(rows).toEqual([
      { status: 'skipped', error: 'another instance ran this tick' },
      { status: 'skipped', error: 'another instance ran this tick' },
    ])
    // The lease itself is given back; only the tick claims stay.
    expect(await findJobLock(a.db, 'stalled-alerts')).toBeNull()
  })
})

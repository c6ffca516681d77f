import { afterEach, describe, expect, it } from 'vitest'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { onceAt, type PulseCluster, pidOf, startClusterBeforeTick, until } from './pulse-cluster.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

let cluster: PulseCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe.skipIf(!pgUrl)('a pulse serve stopped (SIGTERM) while its stalled-deal run is sending DMs, on PostgreSQL', () => {
  it('starts no new send once told to stop, exits at once with its run finished and its job given back; the other instance sends the rest once each', async () => {
    // Many DMs per owner, paced one a second per DM channel: the run lasts a while.
    // One tick in the whole test (as the weekday-morning job), once both instances listen, and a short claim lease.
    const started = await startClusterBeforeTick(pgUrl as string, 8000, (at) => ({
      PULSE_ALERTS_SCHEDULE: onceAt(at),
      PULSE_OUTBOX_LEASE_MS: '3000',
    }))
    cluster = started.cluster
    const { a, b, at } = started
    const c = cluster
    expect(Date.now(), 'both instances must be up before the tick').toBeLessThan(at.getTime() - 1000)
    await until(
      async () => {
        const n = await countOutboxByStatus(c.store.db)
        return n.sent >= 10 && n.pending > 20
      },
      60_000,
      'an instance to be mid-run',
    )
    const lease = await c.store.db.selectFrom('job_locks').select('holder').where('job', '=', 'stalled-alerts').executeTakeFirstOrThrow()
    const [runner, other] = pidOf(lease.holder) === a.pid ? [a, b] : [b, a]
    expect(runner.pid).toBe(pidOf(lease.holder))

    const postsAtStop = c.fake.callsOf('chat.postMessage').length
    runner.run.child.kill('SIGTERM')
    const code = await Promise.race([runner.run.exited, new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000))])
    expect(code, runner.run.stderr.slice(-2000)).toBe(0)
    // Only the sends in flight when it was told to stop (at most the drain's concurrency) went out after.
    const postsAfterStop = c.fake.callsOf('chat.postMessage').length - postsAtStop
    expect(postsAfterStop).toBeLessThanOrEqual(8)

    // Its run is finished, not left `running`; its job lease is given back; it left no claim behind.
    const mine = (await c.runs('stalled-alerts')).filter((r) => pidOf(r.instance) === runner.pid && r.status !== 'skipped')
    expect(mine.map((r) => r.status)).toEqual(['done'])
    expect(await c.store.db.selectFrom('job_locks').select('holder').where('job', '=', 'stalled-alerts').executeTakeFirst()).toBeUndefined()
    const left = await countOutboxByStatus(c.store.db)
    expect(left.sending).toBe(0)
    expect(left.pending).toBeGreaterThan(0)

    // No second tick: the other instance's outbox watch delivers what is left.
    await until(
      c.allDelivered,
      60_000,
      async () => `the other instance to send the rest: ${JSON.stringify(await countOutboxByStatus(c.store.db))}`,
    )
    other.run.child.kill('SIGTERM')
    expect(await other.run.exited, other.run.stderr.slice(-2000)).toBe(0)

    const outbox = await countOutboxByStatus(c.store.db)
    expect(outbox.pending + outbox.sending + outbox.failed).toBe(0)
    expect(c.deliveries().size).toBe(outbox.sent)
    expect(c.twice()).toEqual([])
    const ran = (await c.runs('stalled-alerts')).filter((r) => r.status !== 'skipped')
    expect(ran.map((r) => [pidOf(r.instance), r.status])).toEqual([[runner.pid, 'done']])
  }, 300_000)
})

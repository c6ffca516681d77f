import { afterEach, describe, expect, it } from 'vitest'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { type PulseCluster, pidOf, startPulseCluster, until } from './pulse-cluster.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

let cluster: PulseCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe.skipIf(!pgUrl)('two pulse serve processes on one PostgreSQL while Slack refuses, limits and fails', () => {
  it('send every DM exactly once through 429s (Retry-After), 5xx answers and retryable errors', async () => {
    // Slack allows one post per DM channel every 1.5 s (the app paces at 1 s: it meets 429s) ...
    cluster = await startPulseCluster(pgUrl as string, 1500, { perChannelIntervalMs: 1500, retryAfterSeconds: 1 })
    const c = cluster
    // ... and answers some calls with 429, an outage (5xx: did it post? unknown) or a retryable error.
    c.fake.rateLimitNext('users.lookupByEmail', 3)
    c.fake.rateLimitNext('conversations.open', 2)
    c.fake.failNextHttp('chat.postMessage', 503, 2)
    c.fake.failNext('chat.postMessage', 'internal_error', 2)
    c.fake.rateLimitNext('chat.postMessage', 2)
    const env = { PULSE_ALERTS_SCHEDULE: '* * * * * *', PULSE_OUTBOX_LEASE_MS: '2000' }
    const [a, b] = await Promise.all([c.serve(env), c.serve(env)])
    await until(c.allDelivered, 60_000, async () => `every DM to be delivered: ${JSON.stringify(await countOutboxByStatus(c.store.db))}`)
    // A few more ticks on both: nothing goes out again.
    await new Promise((r) => setTimeout(r, 2000))
    for (const i of [a, b]) i.run.child.kill('SIGTERM')
    expect(await a.run.exited, a.run.stderr.slice(-2000)).toBe(0)
    expect(await b.run.exited, b.run.stderr.slice(-2000)).toBe(0)

    const posts = c.fake.callsOf('chat.postMessage')
    expect(posts.filter((p) => p.status === 429).length).toBeGreaterThan(2)
    expect(posts.filter((p) => p.status === 503)).toHaveLength(2)
    const outbox = await countOutboxByStatus(c.store.db)
    expect(outbox).toMatchObject({ pending: 0, sending: 0, failed: 0 })
    expect(outbox.sent).toBeGreaterThan(10)
    expect(c.deliveries().size).toBe(outbox.sent)
    expect(c.twice()).toEqual([])
    const ran = (await c.runs('stalled-alerts')).filter((r) => r.status !== 'skipped')
    expect(ran.every((r) => r.status === 'done')).toBe(true)
    expect(new Set(ran.map((r) => pidOf(r.instance))).size).toBeGreaterThanOrEqual(1)
  }, 90_000)
})

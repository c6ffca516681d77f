import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import {
  countOutboxByStatus,
  enqueueOutboxMessage,
  findUndeliveredOutbox,
  markOutboxSending,
  markOutboxSent,
  OUTBOX_LEASE_MS,
} from '../../src/db/slack-outbox.js'
import { describeEachDialect, dropTestSchema, type TestDialect } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'

const T0 = new Date('2025-03-03T09:00:00.000Z')
const at = (ms: number) => new Date(T0.getTime() + ms)

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

/** Two stores on one database, as two app instances have: a SQLite file, or one Postgres schema. */
async function twoInstances(dialect: TestDialect): Promise<[Store, Store]> {
  const url = process.env.PULSE_TEST_DATABASE_URL
  const where =
    dialect.name === 'postgres' && url
      ? { path: '', url, schema: `t_${randomBytes(6).toString('hex')}` }
      : { path: join(tempDir(), 'pulse.db') }
  const a = await openStore(where)
  const b = await openStore(where)
  cleanup.push(async () => {
    await b.close()
    if (where.schema) await dropTestSchema(a.db, where.schema)
    await a.close()
  })
  return [a, b]
}

async function enqueue(store: Store, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await enqueueOutboxMessage(store.db, {
      dedupeKey: `stall:D${i}`,
      kind: 'stall_dm',
      dealId: `D${i}`,
      recipientEmail: `rep${i % 5}@acme.example`,
      channelId: null,
      payload: { text: `deal ${i}` },
      now: T0,
    })
  }
}

/** One instance's drain loop, several sends in flight: every row it managed to claim. */
async function claimAll(store: Store, now: Date, inFlight = 4): Promise<number[]> {
  const rows = await findUndeliveredOutbox(store.db, undefined, { now })
  const claimed: number[] = []
  let next = 0
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++]
      if (!row) return
      if (await markOutboxSending(store.db, row.outbox_id, { channelId: 'D_CHAN', slackUserId: 'U1', at: now })) claimed.push(row.outbox_id)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return claimed
}

describeEachDialect('outbox claims across instances', (dialect) => {
  it('two instances draining at once claim every message exactly once between them', async () => {
    const [a, b] = await twoInstances(dialect)
    await enqueue(a, 300)
    const [byA, byB] = await Promise.all([claimAll(a, T0), claimAll(b, T0)])
    const all = [...byA, ...byB]
    expect(all).toHaveLength(300)
    expect(new Set(all).size).toBe(300)
    expect(await countOutboxByStatus(a.db)).toMatchObject({ pending: 0, sending: 300 })
    const attempts = await a.db.selectFrom('slack_outbox').select('attempts').distinct().execute()
    expect(attempts).toEqual([{ attempts: 1 }])
  })

  it('leaves a claimed message to its instance until the lease runs out, then exactly one other instance takes it over', async () => {
    const [a, b] = await twoInstances(dialect)
    await enqueue(a, 1)
    const [row] = await findUndeliveredOutbox(a.db, undefined, { now: T0 })
    const id = row?.outbox_id as number
    const leaseMs = OUTBOX_LEASE_MS
    expect(await markOutboxSending(a.db, id, { channelId: 'D_CHAN', slackUserId: 'U1', at: T0, leaseMs })).toBe(true)

    // Instance A is (as far as anyone knows) still sending: nobody else sees or takes the row.
    const during = at(OUTBOX_LEASE_MS - 1000)
    expect(await findUndeliveredOutbox(b.db, undefined, { now: during, leaseMs })).toEqual([])
    expect(await markOutboxSending(b.db, id, { channelId: 'D_CHAN', slackUserId: 'U1', at: during, leaseMs })).toBe(false)

    // A died: after the lease, the row is offered again, and of two racing instances one gets it.
    const after = at(OUTBOX_LEASE_MS + 1000)
    expect((await findUndeliveredOutbox(b.db, undefined, { now: after, leaseMs })).map((r) => r.outbox_id)).toEqual([id])
    const race = await Promise.all(
      [a, b].map((s) => markOutboxSending(s.db, id, { channelId: 'D_CHAN', slackUserId: 'U1', at: after, leaseMs })),
    )
    expect(race.filter(Boolean)).toHaveLength(1)
    const taken = await a.db.selectFrom('slack_outbox').select(['attempts', 'attempt_started_at']).executeTakeFirstOrThrow()
    expect(taken).toEqual({ attempts: 2, attempt_started_at: after.toISOString() })

    // Once sent, nobody claims it again, however late.
    await markOutboxSent(b.db, id, { ts: '1.000100', at: after })
    expect(await findUndeliveredOutbox(a.db, undefined, { now: at(10 * OUTBOX_LEASE_MS) })).toEqual([])
    expect(await markOutboxSending(a.db, id, { channelId: 'D_CHAN', slackUserId: 'U1', at: at(10 * OUTBOX_LEASE_MS) })).toBe(false)
  })

  it(`holds a claim ${dialect.name === 'postgres' ? 'for the lease' : 'only at the instant it was made (one instance)'} by default`, async () => {
    const [a] = await twoInstances(dialect)
    await enqueue(a, 1)
    const [row] = await findUndeliveredOutbox(a.db, undefined, { now: T0 })
    const id = row?.outbox_id as number
    expect(await markOutboxSending(a.db, id, { channelId: 'D_CHAN', slackUserId: null, at: T0 })).toBe(true)
    expect(await findUndeliveredOutbox(a.db, undefined, { now: T0 })).toEqual([])
    const soon = at(1000)
    const free = dialect.name !== 'postgres'
    expect((await findUndeliveredOutbox(a.db, undefined, { now: soon })).map((r) => r.outbox_id)).toEqual(free ? [id] : [])
    expect(await markOutboxSending(a.db, id, { channelId: 'D_CHAN', slackUserId: null, at: soon })).toBe(free)
  })

  it('without a clock, still lists sending rows (single-instance recovery after a crash)', async () => {
    const [a] = await twoInstances(dialect)
    await enqueue(a, 2)
    const rows = await findUndeliveredOutbox(a.db)
    await markOutboxSending(a.db, rows[0]?.outbox_id as number, { channelId: 'D_CHAN', slackUserId: null, at: T0 })
    expect((await findUndeliveredOutbox(a.db)).map((r) => r.status)).toEqual(['sending', 'pending'])
  })
})

import { afterEach, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { enqueueOutboxMessage, markOutboxSent, markOutboxUndelivered, pruneSettledOutbox } from '../../src/db/slack-outbox.js'
import { endStallEpisode, openStallEpisode } from '../../src/db/slack-stall-episodes.js'
import { describeEachDialect } from '../helpers/each-dialect.js'

const NOW = new Date('2024-09-01T09:00:00.000Z')
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000)
const CUTOFFS = { before: daysAgo(30), digestsBefore: '2024-08-02' }

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

describeEachDialect('pruning settled outbox rows', (dialect) => {
  async function seed() {
    const store = await dialect.open()
    stores.push(store)
    const db = store.db
    const episode = async (dealId: string, ended: boolean) => {
      const id = await openStallEpisode(db, { dealId, ownerEmail: 'ana@acme.example', startedOn: '2024-06-01', activityMark: '2024-05-01' })
      if (ended) await endStallEpisode(db, id, { endedOn: '2024-06-10', reason: 'activity' })
      return id
    }
    const row = async (
      key: string,
      kind: 'stall_dm' | 'digest' | 'anomaly',
      dealId: string | null,
      createdDaysAgo: number,
      status: 'sent' | 'failed' | 'pending',
    ) => {
      await enqueueOutboxMessage(db, {
        dedupeKey: key,
        kind,
        dealId,
        recipientEmail: kind === 'anomaly' ? null : 'ana@acme.example',
        channelId: kind === 'anomaly' ? 'C0ALERTS01' : null,
        payload: { text: key, blocks: [] },
        now: daysAgo(createdDaysAgo),
      })
      const { outbox_id } = await db.selectFrom('slack_outbox').select('outbox_id').where('dedupe_key', '=', key).executeTakeFirstOrThrow()
      if (status === 'sent') await markOutboxSent(db, outbox_id, { ts: '1.2', at: daysAgo(createdDaysAgo) })
      if (status === 'failed') await markOutboxUndelivered(db, outbox_id, 'failed', 'channel_not_found')
    }
    const openA = await episode('A', false)
    const endedB = await episode('B', true)
    const endedC = await episode('C', true)
    await episode('C', false)
    const endedD = await episode('D', true)
    const endedE = await episode('E', true)
    const endedF = await episode('F', true)
    await row(`stall:${openA}`, 'stall_dm', 'A', 60, 'sent') // open episode: kept
    await row(`stall:${endedB}`, 'stall_dm', 'B', 60, 'sent') // ended, old: pruned
    await row(`stall:${endedC}`, 'stall_dm', 'C', 60, 'sent') // its deal has an open episode again: kept
    await row(`stall:${endedD}`, 'stall_dm', 'D', 10, 'sent') // recent: kept
    await row(`stall:${endedE}`, 'stall_dm', 'E', 60, 'pending') // undelivered: kept
    await row(`stall:${endedF}`, 'stall_dm', 'F', 60, 'failed') // settled, ended, old: pruned
    await row('digest:lead@acme.example:2024-07-01', 'digest', null, 60, 'sent') // pruned
    await row('digest:lead@acme.example:2024-08-20', 'digest', null, 40, 'sent') // dated after digestsBefore: kept
    await row('anomaly:2024-06', 'anomaly', null, 60, 'sent') // alerts stay
    return { store, pruned: [`stall:${endedB}`, `stall:${endedF}`, 'digest:lead@acme.example:2024-07-01'] }
  }

  it('deletes only settled rows past the cut-off whose keys can never be asked for again', async () => {
    const { store, pruned } = await seed()
    const before = (await store.db.selectFrom('slack_outbox').select('dedupe_key').execute()).map((r) => r.dedupe_key)
    expect(await pruneSettledOutbox(store.db, CUTOFFS)).toBe(3)
    const after = (await store.db.selectFrom('slack_outbox').select('dedupe_key').execute()).map((r) => r.dedupe_key)
    expect(after.sort()).toEqual(before.filter((k) => !pruned.includes(k)).sort())
    expect(await pruneSettledOutbox(store.db, CUTOFFS)).toBe(0)
  })
})

import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { findDealLinks } from '../../src/db/find-deal-links.js'
import { findOwnerIdsByEmail } from '../../src/db/find-owner-ids-by-email.js'
import { findDealScores, findDealsByIdOrName, findOpenDealsByHealth, findStoreStatus } from '../../src/db/find-slack-deals.js'
import { insertModel } from '../../src/db/insert-model.js'
import type { Store } from '../../src/db/open-store.js'
import { saveDealScores } from '../../src/db/save-deal-scores.js'
import {
  deleteExpiredChartImages,
  findChartImage,
  findChartReferences,
  findHomeSnapshot,
  findHomeViewUsers,
  pruneUnreferencedChartImages,
  saveChartImage,
  saveHomeSnapshot,
  saveHomeView,
} from '../../src/db/slack-home.js'
import {
  countOutboxByStatus,
  enqueueOutboxMessage,
  findExistingOutboxKeys,
  findOutboxByKey,
  markOutboxSending,
  noteSendingOutboxError,
  skipUncheckedOutbox,
} from '../../src/db/slack-outbox.js'
import { findSnoozedDealIds, snoozeDeal } from '../../src/db/slack-snoozes.js'
import {
  endOpenStallEpisodeOfDeal,
  endStallEpisode,
  findOpenStallEpisodes,
  openStallEpisode,
  wasStallOwnerOfDeal,
} from '../../src/db/slack-stall-episodes.js'
import { findCachedEmailOfSlackUser, findCachedSlackUser, saveSlackUserLookup } from '../../src/db/slack-user-cache.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { placeholderModel } from '../helpers/placeholder-model.js'
import { writeTempFile } from '../helpers/test-store.js'

const NOW = new Date('2025-03-03T09:00:00.000Z')
const CSV = `deal_id,deal_name,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome
D1,Acme 100% renewal,2025-01-02,,rep_1,Ana.Silva@Acme.example,SaaS,EMEA,Core,Inbound,Demo,5000,Open
D2,Acme_big expansion,2025-01-03,,rep_1,Ana.Silva@Acme.example,SaaS,EMEA,Core,Inbound,Proposal,90000,Open
D3,Globex ACME pilot,2025-01-04,,rep_2,bo@acme.example,SaaS,APAC,Pro,Referral,Demo,20000,Open
D4,Initech,2024-11-04,2025-02-01,rep_2,bo@acme.example,SaaS,APAC,Pro,Referral,Negotiation,7000,Won
D5,ÄRZTE Kammer_Öst,2024-11-05,2025-02-02,rep_2,bo@acme.example,Health,EMEA,Pro,Referral,Negotiation,3000,Won
`

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('Slack stores', (dialect) => {
  it('finds deals by id or by name (case-insensitive beyond A-Z too, % and _ taken literally), by health, and their links and owners', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('d.csv', CSV), stages: DEFAULT_STAGES, now: NOW })
    const db = store.db
    const modelId = await insertModel(db, placeholderModel({ trained_at: NOW.toISOString() }))
    const score = (deal_id: string, health_score: number) => ({
      model_id: modelId,
      deal_id,
      as_of: '2025-03-01',
      scored_at: NOW.toISOString(),
      win_probability: health_score / 100,
      health_score,
      basis: 'model',
      reasons: JSON.stringify([`reason "${deal_id}"`]),
    })
    // D2 twice: the later score wins, as one upsert after another would leave it.
    await saveDealScores(store, [score('D1', 70), score('D2', 10), score('D2', 40)], { replaceModelScores: modelId })

    expect((await findDealsByIdOrName(db, 'D3', modelId, 5)).map((d) => d.deal_id)).toEqual(['D3'])
    expect((await findDealsByIdOrName(db, 'acme', modelId, 5)).map((d) => d.deal_id)).toEqual(['D2', 'D3', 'D1'])
    expect((await findDealsByIdOrName(db, '100%', modelId, 5)).map((d) => d.deal_id)).toEqual(['D1'])
    expect((await findDealsByIdOrName(db, 'acme_', modelId, 5)).map((d) => d.deal_id)).toEqual(['D2'])
    expect((await findDealsByIdOrName(db, 'acme', modelId, 5, ['rep_2'])).map((d) => d.deal_id)).toEqual(['D3'])
    // Letters outside A-Z fold too, in names and in what is typed; `_` stays literal beside them.
    for (const typed of ['Ärzte Kammer', 'ärzte', 'ÄRZTE', 'kammer_ö', 'KAMMER_Ö']) {
      expect(
        (await findDealsByIdOrName(db, typed, modelId, 5)).map((d) => d.deal_id),
        typed,
      ).toEqual(['D5'])
    }
    expect(await findDealsByIdOrName(db, 'kammerxö', modelId, 5)).toEqual([])
    // An id typed in another case, when no name holds it, is that deal (only within the owners given).
    expect((await findDealsByIdOrName(db, 'd3', modelId, 5)).map((d) => d.deal_id)).toEqual(['D3'])
    expect(await findDealsByIdOrName(db, 'd3', modelId, 5, ['rep_1'])).toEqual([])
    const [d1] = await findDealsByIdOrName(db, 'D1', modelId, 5)
    expect(d1).toMatchObject({ amount: 5000, health_score: 70, win_probability: 0.7, reasons: '["reason \\"D1\\""]' })

    const byHealth = await findOpenDealsByHealth(db, undefined, modelId, 10)
    expect(byHealth.map((d) => [d.deal_id, d.health_score])).toEqual([
      ['D2', 40],
      ['D1', 70],
      ['D3', null],
    ])
    expect((await findDealScores(db, modelId, ['D1', 'D2', 'D9'])).get('D2')).toMatchObject({ health_score: 40 })
    expect([...(await findDealLinks(db, ['D1', 'D4', 'D9'])).keys()].sort()).toEqual(['D1', 'D4'])
    expect(await findOwnerIdsByEmail(db, ['ANA.SILVA@acme.example'])).toEqual(['rep_1'])
    expect(await findStoreStatus(db)).toMatchObject({ deals: 5, openDeals: 3, lastImport: { status: 'done', rows: 5 } })
  })

  it('finds a deal by its id typed with combining accents when the import stored it composed', async () => {
    store = await dialect.open()
    const header = CSV.slice(0, CSV.indexOf('\n') + 1)
    const csv = `${header}Caf\u00e9-1,Bistro,2025-01-02,,rep_1,ana@acme.example,SaaS,EMEA,Core,Inbound,Demo,1000,Open\n`
    await importCsvFile(store, { path: writeTempFile('d.csv', csv), stages: DEFAULT_STAGES, now: NOW })
    for (const typed of ['Caf\u00e9-1', 'Cafe\u0301-1']) {
      expect(
        (await findDealsByIdOrName(store.db, typed, null, 10)).map((d) => d.deal_id),
        typed,
      ).toEqual(['Caf\u00e9-1'])
    }
  })

  it('finds a name with a sharp s whether it is typed ß, SS or ss, in upper or lower case', async () => {
    store = await dialect.open()
    const header = CSV.slice(0, CSV.indexOf('\n') + 1)
    const row = (id: string, name: string) =>
      `${id},${name},2025-01-02,,rep_1,ana@acme.example,SaaS,EMEA,Core,Inbound,Demo,${id.slice(1)}000,Open\n`
    const csv = `${header}${row('S1', 'Hauptstraße Logistik')}${row('S2', 'HAUPTSTRASSE Bau')}${row('S3', 'Hauptstrasse Süd')}${row('S4', 'HAUPTSTRAẞE Ärzte')}${row('S5', 'Hauptstrase')}`
    await importCsvFile(store, { path: writeTempFile('d.csv', csv), stages: DEFAULT_STAGES, now: NOW })
    for (const typed of ['straße', 'STRASSE', 'strasse', 'Straße', 'hauptstraẞe']) {
      expect((await findDealsByIdOrName(store.db, typed, null, 10)).map((d) => d.deal_id).sort(), typed).toEqual(['S1', 'S2', 'S3', 'S4'])
    }
    // With a letter outside A-Z beside it (the other way names are compared on SQLite).
    expect((await findDealsByIdOrName(store.db, 'STRASSE ärzte', null, 10)).map((d) => d.deal_id)).toEqual(['S4'])
    expect((await findDealsByIdOrName(store.db, 'straße süd', null, 10)).map((d) => d.deal_id)).toEqual(['S3'])
  })

  it('lists deals tied on health and amount by deal id, so a limit keeps the same ones on either database', async () => {
    store = await dialect.open()
    const header = CSV.slice(0, CSV.indexOf('\n') + 1)
    const tie = (id: string) => `${id},Tied ${id},2025-01-02,,rep_1,ana@acme.example,SaaS,EMEA,Core,Inbound,Demo,50000,Open\n`
    // Stored in another order than their ids.
    await importCsvFile(store, {
      path: writeTempFile('d.csv', header + tie('T3') + tie('T1') + tie('T2')),
      stages: DEFAULT_STAGES,
      now: NOW,
    })
    const db = store.db
    const modelId = await insertModel(db, placeholderModel({ trained_at: NOW.toISOString() }))
    const score = (deal_id: string) => ({
      model_id: modelId,
      deal_id,
      as_of: '2025-03-01',
      scored_at: NOW.toISOString(),
      win_probability: 0.2,
      health_score: 20,
      basis: 'model',
      reasons: '[]',
    })
    await saveDealScores(store, [score('T3'), score('T1'), score('T2')], { replaceModelScores: modelId })
    expect((await findOpenDealsByHealth(db, undefined, modelId, 2)).map((d) => d.deal_id)).toEqual(['T1', 'T2'])
    expect((await findDealsByIdOrName(db, 'tied', modelId, 2)).map((d) => d.deal_id)).toEqual(['T1', 'T2'])
  })

  it('keeps outbox, snoozes, stall episodes, the user cache, Home views, snapshots and chart images', async () => {
    store = await dialect.open()
    const db = store.db
    const message = {
      dedupeKey: 'stall:D1:1',
      kind: 'stall_dm' as const,
      dealId: 'D1',
      recipientEmail: 'ana@acme.example',
      channelId: null,
      payload: { text: 'hi' },
      now: NOW,
    }
    expect(await enqueueOutboxMessage(db, message)).toBe(true)
    expect(await enqueueOutboxMessage(db, message)).toBe(false)
    expect(await countOutboxByStatus(db)).toMatchObject({ pending: 1, sent: 0 })
    expect([...(await findExistingOutboxKeys(db, ['stall:D1:1', 'stall:D2:1']))]).toEqual(['stall:D1:1'])

    await snoozeDeal(db, { dealId: 'D1', untilDate: '2025-03-10', by: 'U1', now: NOW })
    await snoozeDeal(db, { dealId: 'D1', untilDate: '2025-03-20', by: 'U2', now: NOW })
    expect([...(await findSnoozedDealIds(db, '2025-03-15'))]).toEqual(['D1'])
    expect([...(await findSnoozedDealIds(db, '2025-03-20'))]).toEqual([])
    // A snooze asked for Ana (by email, in any case) holds while the deal's DMs go to her, whatever its owner id.
    await importCsvFile(store, { path: writeTempFile('d.csv', CSV), stages: DEFAULT_STAGES, now: NOW })
    await snoozeDeal(db, {
      dealId: 'D2',
      untilDate: '2025-03-20',
      by: 'U1',
      now: NOW,
      ownerId: 'rep_1',
      ownerEmail: ' Ana.Silva@acme.EXAMPLE',
    })
    await db.updateTable('deals').set({ owner_id: 'rep_9' }).where('deal_id', '=', 'D2').execute()
    expect([...(await findSnoozedDealIds(db, '2025-03-15'))].sort()).toEqual(['D1', 'D2'])
    await db.updateTable('deals').set({ owner_id: 'rep_1', owner_email: 'bo@acme.example' }).where('deal_id', '=', 'D2').execute()
    expect([...(await findSnoozedDealIds(db, '2025-03-15'))]).toEqual(['D1'])

    const first = await openStallEpisode(db, { dealId: 'D1', ownerEmail: 'ana@acme.example', startedOn: '2025-03-01', activityMark: 'x' })
    const second = await openStallEpisode(db, { dealId: 'D2', ownerEmail: null, startedOn: '2025-03-01', activityMark: 'y' })
    expect(second).toBeGreaterThan(first)
    await endStallEpisode(db, first, { endedOn: '2025-03-02', reason: 'active' })
    expect([...(await findOpenStallEpisodes(db)).keys()]).toEqual(['D2'])
    expect(await endOpenStallEpisodeOfDeal(db, 'D2', { endedOn: '2025-03-03', reason: 'updated' })).toBe(1)
    expect(await endOpenStallEpisodeOfDeal(db, 'D2', { endedOn: '2025-03-03', reason: 'updated' })).toBe(0)
    // The owner of an episode, ended or open, in any case; nobody else, and not for another deal.
    expect(await wasStallOwnerOfDeal(db, 'D1', ' ANA@acme.example')).toBe(true)
    expect(await wasStallOwnerOfDeal(db, 'D1', 'bo@acme.example')).toBe(false)
    expect(await wasStallOwnerOfDeal(db, 'D2', 'ana@acme.example')).toBe(false)
    expect(await wasStallOwnerOfDeal(db, 'D2', '')).toBe(false)

    await saveSlackUserLookup(db, 'Ana@Acme.example', 'U1', NOW)
    await saveSlackUserLookup(db, 'ana@acme.example', 'U9', NOW)
    expect(await findCachedSlackUser(db, 'ANA@acme.example')).toEqual({ slackUserId: 'U9', checkedAt: NOW.toISOString() })
    expect(await findCachedEmailOfSlackUser(db, 'U9')).toBe('ana@acme.example')

    await saveHomeView(db, { slackUserId: 'U2', role: 'rep', blockCount: 3, hash: 'a', at: NOW })
    await saveHomeView(db, { slackUserId: 'U1', role: 'rep', blockCount: 3, hash: 'a', at: NOW })
    await saveHomeView(db, { slackUserId: 'U1', role: 'manager', blockCount: 5, hash: 'b', at: NOW })
    expect(await findHomeViewUsers(db)).toEqual(['U1', 'U2'])
    await saveHomeSnapshot(db, { scopeKey: 'team:1', asOf: '2025-03-01', payload: { n: 1 }, at: NOW })
    await saveHomeSnapshot(db, { scopeKey: 'team:1', asOf: '2025-03-02', payload: { n: 2 }, at: NOW })
    expect(await findHomeSnapshot(db, 'team:1')).toEqual({ asOf: '2025-03-02', payload: { n: 2 }, computedAt: NOW.toISOString() })

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x0a])
    await saveChartImage(db, { tokenHash: 'h1', png, expiresAt: new Date(NOW.getTime() + 60_000), now: NOW })
    expect(Buffer.from((await findChartImage(db, 'h1', NOW)) ?? [])).toEqual(png)
    expect(await findChartImage(db, 'h1', new Date(NOW.getTime() + 60_000))).toBeUndefined()
    expect(await deleteExpiredChartImages(db, new Date(NOW.getTime() + 120_000))).toBe(1)
  })

  it('prunes the chart images no snapshot or Home view names once they have been unnamed long enough', async () => {
    store = await dialect.open()
    const db = store.db
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47])
    const later = (ms: number) => new Date(NOW.getTime() + ms)
    for (const h of ['kept', 'shown', 'old']) await saveChartImage(db, { tokenHash: h, png, expiresAt: later(86_400_000), now: NOW })
    await saveHomeSnapshot(db, { scopeKey: 'all', asOf: '2025-03-02', payload: { charts: { winrate: 'https://x/charts/k.png' } }, at: NOW })
    await saveHomeView(db, { slackUserId: 'U1', role: 'rep', blockCount: 3, hash: null, at: NOW, chartHashes: ['shown'] })
    expect(await findChartReferences(db, later(-60_000))).toEqual({
      snapshotCharts: ['https://x/charts/k.png'],
      viewHashes: new Set(['shown']),
      unknown: false,
    })
    const names = async () =>
      (await db.selectFrom('slack_chart_images').select('token_hash').orderBy('token_hash').execute()).map((r) => r.token_hash)
    // First found unnamed: marked, not deleted.
    expect(await pruneUnreferencedChartImages(db, new Set(['kept', 'shown']), { now: NOW, deleteBefore: later(-1000) })).toBe(0)
    // Stored again meanwhile ("old" drawn anew): unmarked, so a later prune keeps it.
    await saveChartImage(db, { tokenHash: 'old', png, expiresAt: later(86_400_000), now: later(500) })
    expect(await pruneUnreferencedChartImages(db, new Set(['kept', 'shown']), { now: later(2000), deleteBefore: later(1000) })).toBe(0)
    expect(await names()).toEqual(['kept', 'old', 'shown'])
    // "shown" is no longer shown: marked now, and deleted by a prune once its grace has passed; "old" was marked by the last prune.
    expect(await pruneUnreferencedChartImages(db, new Set(['kept']), { now: later(3000), deleteBefore: later(2500) })).toBe(1)
    expect(await names()).toEqual(['kept', 'shown'])
    expect(await pruneUnreferencedChartImages(db, new Set(['kept']), { now: later(5000), deleteBefore: later(4000) })).toBe(1)
    expect(await names()).toEqual(['kept'])
    // A view recorded before views named their charts: nothing can be told.
    await db.updateTable('slack_home_views').set({ chart_hashes: null }).execute()
    expect((await findChartReferences(db, later(-60_000))).unknown).toBe(true)
    // ... unless it was published before any chart it could show has expired.
    expect((await findChartReferences(db, later(60_000))).unknown).toBe(false)
  })

  it('drops only the messages left sending whose check was refused with a noted reason, and a new claim clears that reason', async () => {
    store = await dialect.open()
    const db = store.db
    const ids: Record<string, number> = {}
    for (const key of ['anomaly:2025-01', 'anomaly:2025-02', 'anomaly:2025-03']) {
      const message = {
        dedupeKey: key,
        kind: 'anomaly' as const,
        dealId: null,
        recipientEmail: null,
        channelId: 'C1',
        payload: { text: key },
        now: NOW,
      }
      await enqueueOutboxMessage(db, message)
      const row = await findOutboxByKey(db, key)
      ids[key] = row!.outbox_id
      expect(await markOutboxSending(db, row!.outbox_id, { channelId: 'C1', slackUserId: null, at: NOW, leaseMs: 0 })).toBe(true)
    }
    await noteSendingOutboxError(db, ids['anomaly:2025-01']!, 'not_in_channel')
    await noteSendingOutboxError(db, ids['anomaly:2025-03']!, 'not_in_channel')
    const noted = new Set(['not_in_channel', 'channel_not_found'])
    expect(await skipUncheckedOutbox(db, ['anomaly:2025-01', 'anomaly:2025-02'], noted, 'stale')).toBe(1)
    const row = async (key: string) => {
      const r = await findOutboxByKey(db, key)
      return { status: r?.status, last_error: r?.last_error }
    }
    expect(await row('anomaly:2025-01')).toEqual({ status: 'skipped', last_error: 'stale' })
    expect(await row('anomaly:2025-02')).toEqual({ status: 'sending', last_error: null })
    // Claimed again (its claim ran out): the earlier attempt's error no longer holds.
    expect(
      await markOutboxSending(db, ids['anomaly:2025-03']!, {
        channelId: 'C2',
        slackUserId: null,
        at: new Date(NOW.getTime() + 60_000),
        leaseMs: 0,
      }),
    ).toBe(true)
    expect(await row('anomaly:2025-03')).toEqual({ status: 'sending', last_error: null })
  })
})

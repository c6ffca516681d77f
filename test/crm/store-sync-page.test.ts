import { afterEach, expect, it } from 'vitest'
import { createCsvSource } from '../../src/crm/csv/csv-source.js'
import { beginSyncRun } from '../../src/db/begin-sync-run.js'
import { findDataVersion } from '../../src/db/find-data-version.js'
import { findOwnerIdsByEmail } from '../../src/db/find-owner-ids-by-email.js'
import { isRollupStale } from '../../src/db/is-rollup-stale.js'
import type { Store } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { saveStageOrder, stagesFromNames } from '../../src/db/save-stage-order.js'
import {
  beginFullSync,
  findFullSyncStart,
  findWatermark,
  finishFullSync,
  storeOwners,
  storeSyncPage,
} from '../../src/db/store-sync-page.js'
import type { NormalizedDeal, SyncedDeal } from '../../src/domain/normalized-deal.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { openTestStore, writeTempFile } from '../helpers/test-store.js'
import { storeSnapshot } from './store-snapshot.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

function deal(id: string, over: Partial<NormalizedDeal> = {}): NormalizedDeal {
  return {
    dealId: id,
    source: 'hubspot',
    name: `Deal ${id}`,
    ownerId: 'o1',
    ownerEmail: 'ana@example.com',
    createdDate: '2024-01-02',
    closedDate: null,
    outcome: 'open',
    stage: 'Demo',
    stageEnteredDate: '2024-01-05',
    amount: 60_000,
    currency: 'USD',
    industry: 'SaaS',
    region: 'EMEA',
    productType: 'Core',
    leadSource: 'Inbound',
    salesCycleDays: null,
    lastActivityDate: '2024-01-20',
    updatedDate: '2024-01-21',
    crmUrl: null,
    archived: false,
    extra: null,
    ...over,
  }
}

const pages: Array<{ deals: SyncedDeal[]; removed: string[]; watermark: string | null }> = [
  {
    deals: [
      {
        deal: deal('1'),
        history: [
          { dealId: '1', stage: 'Qualified', enteredAt: '2024-01-02T10:00:00.000Z', leftAt: '2024-01-05T09:00:00.000Z' },
          { dealId: '1', stage: 'Demo', enteredAt: '2024-01-05T09:00:00.000Z', leftAt: null },
        ],
      },
      { deal: deal('2', { outcome: 'lost', closedDate: '2024-02-01', stage: 'Qualified' }), history: [] },
      { deal: deal('3'), history: null },
    ],
    removed: [],
    watermark: 'w1',
  },
  {
    deals: [
      {
        deal: deal('1', { amount: 70_000 }),
        history: [{ dealId: '1', stage: 'Demo', enteredAt: '2024-01-05T09:00:00.000Z', leftAt: null }],
      },
    ],
    removed: ['2', 'missing'],
    watermark: 'w2',
  },
]

/** Writes the pages through the SQLite fast path, or through the Kysely builder (the Postgres path). */
async function writeAll(store: Store) {
  const runId = await beginSyncRun(store.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now: new Date() })
  const results = []
  for (const p of pages) {
    results.push(
      await storeSyncPage(store, {
        source: 'hubspot',
        runId,
        deals: p.deals,
        removedDealIds: p.removed,
        owners: [{ ownerId: 'o1', email: 'ana@example.com', name: 'Ana' }],
        watermark: p.watermark,
        now: new Date('2024-06-01T00:00:00Z'),
      }),
    )
  }
  return { runId, results }
}

describeEachDialect('storeSyncPage', (dialect) => {
  // On SQLite `store` writes through the prepared-statement fast path and `plain` through the Kysely
  // builder; on Postgres both are the builder path (the only one there), compared with SQLite's fast path.
  const open = async () => {
    const store = await dialect.open()
    stores.push(store)
    return store
  }

  it('writes the same rows, counts and watermark as the SQLite fast path', async () => {
    const fast = await openTestStore()
    const plain = await open()
    stores.push(fast)
    const a = await writeAll(fast)
    const b = await writeAll({ ...plain, sqlite: undefined })
    expect(a.results).toEqual([
      { deals: 3, removed: 0, keptLostAt: [], keptApart: [], takenOver: [], ownersKeptApart: [] },
      { deals: 1, removed: 1, keptLostAt: [], keptApart: [], takenOver: [], ownersKeptApart: [] },
    ])
    expect(b.results).toEqual(a.results)
    expect(await storeSnapshot(plain)).toEqual(await storeSnapshot(fast))
    const snap = await storeSnapshot(plain)
    expect(snap.deals.map((d) => [d.deal_id, d.amount])).toEqual([
      ['1', 70_000],
      ['3', 60_000],
    ])
    expect(snap.history).toEqual([{ deal_id: '1', stage: 'Demo', entered_at: '2024-01-05T09:00:00.000Z', left_at: null }])
    expect(await findWatermark(plain.db, 'hubspot')).toBe('w2')
    for (const s of [fast, plain]) {
      expect(await s.db.selectFrom('sync_runs').select(['pages', 'deals', 'removed']).executeTakeFirstOrThrow()).toEqual({
        pages: 2,
        deals: 4,
        removed: 1,
      })
    }
  })

  it("removes only the CRM's own deals: a deal another source stored under the same id keeps its row and history, on both write paths", async () => {
    const sqliteStore = await openTestStore()
    stores.push(sqliteStore)
    for (const target of [sqliteStore, await open()]) {
      for (const write of [target, { ...target, sqlite: undefined }]) {
        await target.db.deleteFrom('deals').execute()
        await target.db.deleteFrom('stage_history').execute()
        const now = new Date('2024-06-01T00:00:00Z')
        const runId = await beginSyncRun(target.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now })
        const stay = (id: string) => [{ dealId: id, stage: 'Demo', enteredAt: '2024-01-05T09:00:00.000Z', leftAt: null }]
        const page = { runId, watermark: null, now }
        await storeSyncPage(write, {
          ...page,
          source: 'csv',
          deals: [{ deal: deal('77', { source: 'csv' }), history: stay('77') }],
          removedDealIds: [],
        })
        await storeSyncPage(write, { ...page, source: 'hubspot', deals: [{ deal: deal('78'), history: stay('78') }], removedDealIds: [] })
        // HubSpot lists 77 and 78 as archived: 78 is its own, 77 a CSV import's.
        const result = await storeSyncPage(write, { ...page, source: 'hubspot', deals: [], removedDealIds: ['77', '78'] })
        expect(result.removed).toBe(1)
        expect(await target.db.selectFrom('deals').select(['deal_id', 'source']).execute()).toEqual([{ deal_id: '77', source: 'csv' }])
        expect(await target.db.selectFrom('stage_history').select('deal_id').execute()).toEqual([{ deal_id: '77' }])
      }
    }
  })

  it("keeps a CRM deal apart from another source's deal of the same id (hubspot:77), and updates and removes only its own, on both write paths", async () => {
    const sqliteStore = await openTestStore()
    stores.push(sqliteStore)
    for (const target of [sqliteStore, await open()]) {
      for (const write of [target, { ...target, sqlite: undefined }]) {
        await target.db.deleteFrom('deals').execute()
        await target.db.deleteFrom('stage_history').execute()
        const now = new Date('2024-06-01T00:00:00Z')
        const runId = await beginSyncRun(target.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now })
        const stay = (stage: string, enteredAt: string) => [{ dealId: '77', stage, enteredAt, leftAt: null }]
        const page = { runId, watermark: null, now, removedDealIds: [] }
        const csvStay = stay('Proposal', '2023-03-04T00:00:00.000Z')
        await storeSyncPage(write, {
          ...page,
          source: 'csv',
          deals: [{ deal: deal('77', { source: 'csv', createdDate: '2023-03-01', amount: 5000, stage: 'Proposal' }), history: csvStay }],
        })
        // HubSpot's deal 77 is another deal (created a year later): it is stored apart, the CSV's stays as it was.
        const first = await storeSyncPage(write, {
          ...page,
          source: 'hubspot',
          deals: [{ deal: deal('77'), history: stay('Demo', '2024-01-05T09:00:00.000Z') }],
        })
        expect(first.keptApart).toEqual([{ id: '77', key: 'hubspot:77', heldBy: 'csv' }])
        const rows = () => target.db.selectFrom('deals').select(['deal_id', 'source', 'amount', 'stage']).orderBy('deal_id').execute()
        const stays = () =>
          target.db.selectFrom('stage_history').select(['deal_id', 'stage']).orderBy('deal_id').orderBy('entered_at').execute()
        expect(await rows()).toEqual([
          { deal_id: '77', source: 'csv', amount: 5000, stage: 'Proposal' },
          { deal_id: 'hubspot:77', source: 'hubspot', amount: 60_000, stage: 'Demo' },
        ])
        // The next change to it, without history, goes to the deal kept apart (and records its stage change there).
        await storeSyncPage(write, {
          ...page,
          source: 'hubspot',
          deals: [{ deal: deal('77', { stage: 'Negotiation', amount: 70_000 }), history: null }],
        })
        expect(await rows()).toEqual([
          { deal_id: '77', source: 'csv', amount: 5000, stage: 'Proposal' },
          { deal_id: 'hubspot:77', source: 'hubspot', amount: 70_000, stage: 'Negotiation' },
        ])
        expect(await stays()).toEqual([
          { deal_id: '77', stage: 'Proposal' },
          { deal_id: 'hubspot:77', stage: 'Demo' },
          { deal_id: 'hubspot:77', stage: 'Negotiation' },
        ])
        // HubSpot archives its 77: its deal goes, the CSV's stays with its history.
        const removed = await storeSyncPage(write, { ...page, source: 'hubspot', deals: [], removedDealIds: ['77'] })
        expect(removed.removed).toBe(1)
        expect(await rows()).toEqual([{ deal_id: '77', source: 'csv', amount: 5000, stage: 'Proposal' }])
        expect(await stays()).toEqual([{ deal_id: '77', stage: 'Proposal' }])
      }
    }
  })

  it('lets a CRM deal take over the CSV deal of the same id created the same day (an export of that CRM), on both write paths', async () => {
    const sqliteStore = await openTestStore()
    stores.push(sqliteStore)
    for (const target of [sqliteStore, await open()]) {
      for (const write of [target, { ...target, sqlite: undefined }]) {
        await target.db.deleteFrom('deals').execute()
        const now = new Date('2024-06-01T00:00:00Z')
        const runId = await beginSyncRun(target.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now })
        const page = { runId, watermark: null, now, removedDealIds: [] }
        await storeSyncPage(write, {
          ...page,
          source: 'csv',
          deals: [{ deal: deal('5', { source: 'csv', createdDate: '2024-01-01' }), history: null }],
        })
        // HubSpot's createdate read in another time zone: a day apart at most is the same deal.
        const result = await storeSyncPage(write, {
          ...page,
          source: 'hubspot',
          deals: [{ deal: deal('5', { amount: 80_000 }), history: null }],
        })
        expect(result).toMatchObject({ keptApart: [], takenOver: [{ id: '5', from: 'csv' }] })
        expect(await target.db.selectFrom('deals').select(['deal_id', 'source', 'amount']).execute()).toEqual([
          { deal_id: '5', source: 'hubspot', amount: 80_000 },
        ])
      }
    }
  })

  it("keeps the other CRM's deal of the same id apart even when created the same day: only a CSV deal can be a CRM's export", async () => {
    for (const write of [await open(), { ...(await open()), sqlite: undefined }]) {
      const now = new Date('2024-06-01T00:00:00Z')
      const runId = await beginSyncRun(write.db, { source: 'salesforce', mode: 'incremental', startedBy: null, now })
      const page = { runId, watermark: null, now, removedDealIds: [] }
      await storeSyncPage(write, { ...page, source: 'hubspot', deals: [{ deal: deal('9'), history: null }] })
      const result = await storeSyncPage(write, {
        ...page,
        source: 'salesforce',
        deals: [{ deal: deal('9', { source: 'salesforce', amount: 3 }), history: null }],
      })
      expect(result).toMatchObject({ keptApart: [{ id: '9', key: 'salesforce:9', heldBy: 'hubspot' }], takenOver: [], ownersKeptApart: [] })
      expect(await write.db.selectFrom('deals').select(['deal_id', 'source', 'amount']).orderBy('deal_id').execute()).toEqual([
        { deal_id: '9', source: 'hubspot', amount: 60_000 },
        { deal_id: 'salesforce:9', source: 'salesforce', amount: 3 },
      ])
    }
  })

  it('records the owners its deals name with an email when the CRM owner list lacks them, never replacing a CRM email', async () => {
    const sqliteStore = await openTestStore()
    stores.push(sqliteStore)
    for (const target of [sqliteStore, await open()]) {
      const runId = await beginSyncRun(target.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now: new Date() })
      for (const write of [target, { ...target, sqlite: undefined }]) {
        await storeSyncPage(write, {
          source: 'hubspot',
          runId,
          deals: [
            { deal: deal('1', { ownerId: 'o1', ownerEmail: 'old-ana@example.com' }), history: null },
            { deal: deal('2', { ownerId: 'o2', ownerEmail: 'Ben@Example.com' }), history: null },
            { deal: deal('3', { ownerId: 'o3', ownerEmail: 'cy@example.com' }), history: null },
          ],
          removedDealIds: [],
          owners: [
            { ownerId: 'o1', email: 'ana@example.com', name: 'Ana' },
            { ownerId: 'o3', email: null, name: 'Cy' },
          ],
          watermark: null,
          now: new Date('2024-06-01T00:00:00Z'),
        })
      }
      expect(await findOwnerIdsByEmail(target.db, ['ben@example.com'])).toEqual(['o2'])
      expect(await findOwnerIdsByEmail(target.db, ['cy@example.com'])).toEqual(['o3'])
      expect(await findOwnerIdsByEmail(target.db, ['ana@example.com'])).toEqual(['o1'])
      expect(await findOwnerIdsByEmail(target.db, ['old-ana@example.com'])).toEqual([])
    }
  })

  it("passes an owner's changed email on to the deals of that source they already own, on both write paths", async () => {
    const sqliteStore = await openTestStore()
    stores.push(sqliteStore)
    for (const target of [sqliteStore, await open()]) {
      for (const write of [target, { ...target, sqlite: undefined }]) {
        await target.db.deleteFrom('deals').execute()
        await target.db.deleteFrom('owners').execute()
        const runId = await beginSyncRun(target.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now: new Date() })
        const now = new Date('2024-06-01T00:00:00Z')
        await storeOwners(target.db, [{ ownerId: 'o1', email: 'ana@example.com', name: 'Ana' }], 'hubspot', now)
        const first = [
          { deal: deal('1', { ownerId: 'o1', ownerEmail: 'ana@example.com' }), history: null },
          { deal: deal('2', { ownerId: 'o1', ownerEmail: 'ana@example.com' }), history: null },
          { deal: deal('3', { ownerId: 'o2', ownerEmail: 'ben@example.com' }), history: null },
          { deal: deal('4', { ownerId: 'o2', ownerEmail: 'ben@example.com', source: 'csv' }), history: null },
        ]
        const page = { source: 'hubspot', runId, removedDealIds: [], watermark: null, now }
        await storeSyncPage(write, { ...page, deals: first })
        // The CRM's owner list (HubSpot) names o1's new email; a page's owners (Salesforce) name o2's.
        await storeOwners(target.db, [{ ownerId: 'o1', email: 'ana.new@example.com', name: 'Ana' }], 'hubspot', now)
        await storeSyncPage(write, {
          ...page,
          deals: [{ deal: deal('5', { ownerId: 'o2', ownerEmail: 'ben.new@example.com' }), history: null }],
          owners: [{ ownerId: 'o2', email: 'ben.new@example.com', name: 'Ben' }],
        })
        const rows = await target.db.selectFrom('deals').select(['deal_id', 'owner_email']).orderBy('deal_id').execute()
        expect(rows).toEqual([
          { deal_id: '1', owner_email: 'ana.new@example.com' },
          { deal_id: '2', owner_email: 'ana.new@example.com' },
          { deal_id: '3', owner_email: 'ben.new@example.com' },
          // Another source's row keeps what that source said.
          { deal_id: '4', owner_email: 'ben@example.com' },
          { deal_id: '5', owner_email: 'ben.new@example.com' },
        ])
      }
    }
  })

  it('an owner a page lists twice keeps the last email given, on both write paths, and their deals follow it', async () => {
    const sqliteStore = await openTestStore()
    stores.push(sqliteStore)
    const now = new Date('2024-06-01T00:00:00Z')
    for (const target of [sqliteStore, await open()]) {
      for (const write of [target, { ...target, sqlite: undefined }]) {
        await target.db.deleteFrom('deals').execute()
        await target.db.deleteFrom('owners').execute()
        const runId = await beginSyncRun(target.db, { source: 'salesforce', mode: 'incremental', startedBy: null, now })
        const page = { source: 'salesforce', runId, removedDealIds: [], watermark: null, now }
        await storeSyncPage(write, {
          ...page,
          deals: [
            { deal: deal('1', { source: 'salesforce', ownerId: 'o1', ownerEmail: 'ana@example.com' }), history: null },
            { deal: deal('3', { source: 'salesforce', ownerId: 'o2', ownerEmail: 'ben@example.com' }), history: null },
          ],
          owners: [
            { ownerId: 'o1', email: 'ana@example.com', name: 'Ana' },
            { ownerId: 'o2', email: 'ben@example.com', name: 'Ben' },
          ],
        })
        await storeSyncPage(write, {
          ...page,
          deals: [{ deal: deal('2', { source: 'salesforce', ownerId: 'o1', ownerEmail: null }), history: null }],
          owners: [
            { ownerId: 'o1', email: 'ana.new@example.com', name: 'Ana' },
            { ownerId: 'o1', email: null, name: null },
            { ownerId: 'o2', email: 'ben@example.com', name: 'Ben' },
            { ownerId: 'o2', email: 'ben.new@example.com', name: 'Ben' },
          ],
        })
        const owners = await target.db.selectFrom('owners').select(['owner_id', 'email', 'name']).orderBy('owner_id').execute()
        expect(owners).toEqual([
          { owner_id: 'o1', email: 'ana.new@example.com', name: 'Ana' },
          { owner_id: 'o2', email: 'ben.new@example.com', name: 'Ben' },
        ])
        const rows = await target.db.selectFrom('deals').select(['deal_id', 'owner_email']).orderBy('deal_id').execute()
        expect(rows).toEqual([
          { deal_id: '1', owner_email: 'ana.new@example.com' },
          { deal_id: '2', owner_email: 'ana.new@example.com' },
          { deal_id: '3', owner_email: 'ben.new@example.com' },
        ])
      }
    }
  })

  it('a page listing a deal twice keeps the last row and the last history that came with it, like the fast path', async () => {
    const page = (store: Store, runId: number) =>
      storeSyncPage(store, {
        source: 'hubspot',
        runId,
        deals: [
          {
            deal: deal('1', { amount: 1 }),
            history: [{ dealId: '1', stage: 'Demo', enteredAt: '2024-01-05T09:00:00.000Z', leftAt: null }],
          },
          {
            deal: deal('1', { amount: 2 }),
            history: [
              { dealId: '1', stage: 'Demo', enteredAt: '2024-01-05T09:00:00.000Z', leftAt: null },
              { dealId: '1', stage: 'Demo', enteredAt: '2024-01-05T09:00:00.000Z', leftAt: '2024-01-09T09:00:00.000Z' },
            ],
          },
          { deal: deal('1', { amount: 3 }), history: null },
        ],
        removedDealIds: [],
        watermark: 'w1',
        now: new Date('2024-06-01T00:00:00Z'),
      })
    const fast = await openTestStore()
    const plain = await open()
    stores.push(fast)
    for (const s of [fast, plain]) {
      const runId = await beginSyncRun(s.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now: new Date() })
      expect(await page(s === plain ? { ...s, sqlite: undefined } : s, runId)).toEqual({
        deals: 3,
        removed: 0,
        keptLostAt: [],
        keptApart: [],
        takenOver: [],
        ownersKeptApart: [],
      })
    }
    expect(await storeSnapshot(plain)).toEqual(await storeSnapshot(fast))
    const snap = await storeSnapshot(plain)
    expect(snap.deals.map((d) => d.amount)).toEqual([3])
    expect(snap.history.map((h) => h.left_at)).toEqual(['2024-01-09T09:00:00.000Z'])
  })

  it('a lost deal that comes without history at a closed stage is lost at the last open stage stored, on both write paths', async () => {
    const lostAt = (stage: string) => deal('5', { outcome: 'lost', closedDate: '2024-02-01', stage, stageEnteredDate: null })
    const history = [
      { dealId: '5', stage: 'Qualified', enteredAt: '2024-01-02T10:00:00.000Z', leftAt: '2024-01-20T09:00:00.000Z' },
      { dealId: '5', stage: 'Closed Lost', enteredAt: '2024-01-20T09:00:00.000Z', leftAt: null },
    ]
    const fast = await openTestStore()
    const plain = await open()
    stores.push(fast)
    for (const s of [fast, { ...plain, sqlite: undefined }]) {
      await saveStageOrder(s.db, stagesFromNames(['Qualified', 'Demo', 'Closed Won', 'Closed Lost']), 'hubspot')
      const runId = await beginSyncRun(s.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now: new Date() })
      const write = (deals: SyncedDeal[]) =>
        storeSyncPage(s, { source: 'hubspot', runId, deals, removedDealIds: [], watermark: 'w', now: new Date('2024-06-01T00:00:00Z') })
      expect(
        await write([
          { deal: lostAt('Qualified'), history },
          { deal: deal('7', { stage: 'Demo' }), history: null },
        ]),
      ).toMatchObject({
        keptLostAt: [],
      })
      // Deal 6: lost without history, never stored lost at an open stage: stored as it comes.
      const fresh = deal('6', { outcome: 'lost', closedDate: '2024-02-01', stage: 'Closed Lost' })
      // Deal 7, stored open at Demo without history, is lost at Demo.
      const lost7 = deal('7', { outcome: 'lost', closedDate: '2024-02-01', stage: 'Closed Lost' })
      expect(
        await write([
          { deal: lostAt('Closed Lost'), history: null },
          { deal: fresh, history: null },
          { deal: lost7, history: null },
        ]),
      ).toMatchObject({ deals: 3, keptLostAt: ['5', '7'] })
    }
    expect(await storeSnapshot(plain)).toEqual(await storeSnapshot(fast))
    const snap = await storeSnapshot(plain)
    expect(snap.deals.map((d) => [d.deal_id, d.stage, d.lost_at_stage])).toEqual([
      ['5', 'Qualified', 'Qualified'],
      ['6', 'Closed Lost', 'Closed Lost'],
      ['7', 'Demo', 'Demo'],
    ])
    // Deal 7's change is recorded as a CSV import records one: its stored stage from its stored entry
    // to the close date, then the closed stage it sits in.
    expect(snap.history.map((h) => [h.deal_id, h.stage, h.entered_at, h.left_at])).toEqual([
      ['5', 'Qualified', '2024-01-02T10:00:00.000Z', '2024-01-20T09:00:00.000Z'],
      ['5', 'Closed Lost', '2024-01-20T09:00:00.000Z', null],
      ['7', 'Demo', deal('7').stageEnteredDate, '2024-02-01'],
      ['7', 'Closed Lost', '2024-02-01', null],
    ])
  })

  it('a full sync notes the deals its pages store, on both write paths, and its end removes the others', async () => {
    for (const store of [await open(), { ...(await open()), sqlite: undefined }]) {
      const now = new Date('2024-02-01T00:00:00Z')
      const runId = await beginSyncRun(store.db, { source: 'hubspot', mode: 'full', startedBy: null, now })
      const write = (ids: string[], removedDealIds: string[], full?: boolean) =>
        storeSyncPage(store, {
          source: 'hubspot',
          runId,
          deals: ids.map((id) => ({ deal: deal(id), history: null })),
          removedDealIds,
          watermark: 'w',
          now,
          full,
        })
      await write(['1', '2', '3', '4'], [])
      expect(await findFullSyncStart(store.db, 'hubspot')).toBeNull()
      await beginFullSync(store.db, 'hubspot', now)
      expect(await findFullSyncStart(store.db, 'hubspot')).toBe(now.toISOString())
      expect(await findWatermark(store.db, 'hubspot')).toBeNull()
      await write(['1', '2'], [], true)
      // A deal the CRM archived during the full sync is removed with its page, and not seen any more.
      await write(['3'], ['2'], true)
      // '4' was not seen: the CRM no longer has it.
      expect(await finishFullSync(store.db, 'hubspot')).toBe(1)
      expect((await storeSnapshot(store)).deals.map((d) => d.deal_id)).toEqual(['1', '3'])
      expect(await findFullSyncStart(store.db, 'hubspot')).toBeNull()
      expect(await store.db.selectFrom('crm_full_sync_seen').selectAll().execute()).toEqual([])
    }
  })

  it("a full sync's end that removes deals marks the data changed, so a rollup built before it is not read as current", async () => {
    const store = await open()
    const now = new Date('2024-02-01T00:00:00Z')
    const runId = await beginSyncRun(store.db, { source: 'hubspot', mode: 'full', startedBy: null, now })
    const write = (ids: string[], full?: boolean) =>
      storeSyncPage(store, {
        source: 'hubspot',
        runId,
        deals: ids.map((id) => ({ deal: deal(id), history: null })),
        removedDealIds: [],
        watermark: 'w',
        now,
        full,
      })
    await write(['1', '2'])
    await beginFullSync(store.db, 'hubspot', now)
    await write(['1'], true)
    // The summaries are rebuilt after the last page (a report, `pulse serve` starting), before the end of the sync.
    expect(await refreshAnalyticsRollup(store)).toBe(true)
    expect(await isRollupStale(store.db)).toBe(false)
    const before = await findDataVersion(store.db)
    expect(await finishFullSync(store.db, 'hubspot')).toBe(1)
    expect(await findDataVersion(store.db)).not.toBe(before)
    expect(await isRollupStale(store.db)).toBe(true)
    // An end that removes nothing changes nothing.
    await refreshAnalyticsRollup(store)
    await beginFullSync(store.db, 'hubspot', now)
    await write(['1'], true)
    await refreshAnalyticsRollup(store)
    expect(await finishFullSync(store.db, 'hubspot')).toBe(0)
    expect(await isRollupStale(store.db)).toBe(false)
  })

  it('a page that fails to write leaves neither its rows nor its watermark', async () => {
    const store = await open()
    const { runId } = await writeAll(store)
    const before = await storeSnapshot(store)
    const bad = deal('9', { createdDate: null as unknown as string })
    await expect(
      storeSyncPage(store, {
        source: 'hubspot',
        runId,
        deals: [
          { deal: deal('8'), history: [] },
          { deal: bad, history: [] },
        ],
        removedDealIds: ['1'],
        watermark: 'w3',
        now: new Date(),
      }),
    ).rejects.toThrow()
    expect(await storeSnapshot(store)).toEqual(before)
    expect(await findWatermark(store.db, 'hubspot')).toBe('w2')
    expect((await store.db.selectFrom('sync_runs').select('pages').executeTakeFirstOrThrow()).pages).toBe(2)
  })
})

describeEachDialect('the CSV source', (dialect) => {
  it('yields the parsed rows and rejects through the same interface, with updated_date as its watermark', async () => {
    const header =
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,updated_date'
    const path = writeTempFile(
      'd.csv',
      `${header}\nD1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open,2024-03-01\nD2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,-5,Open,2024-03-02\nD3,2024-01-03,2024-02-01,rep_2,SaaS,APAC,Core,Inbound,Proposal,900,Won,2024-03-05\n`,
    )
    const store = await dialect.open()
    stores.push(store)
    const summary = await syncCrm(store, createCsvSource({ path, stages: ['Demo', 'Proposal', 'Closed'] }))
    expect(summary).toMatchObject({ source: 'csv', deals: 2, rejected: 1 })
    expect(await findWatermark(store.db, 'csv')).toBe('2024-03-05')
    expect((await syncCrm(store, createCsvSource({ path, stages: ['Demo', 'Proposal', 'Closed'] }))).deals).toBe(0)
  })
})

import { afterEach, expect, it } from 'vitest'
import { formatImportSummary } from '../../src/cli/commands/run-ingest-command.js'
import { DEFAULT_STAGES, type SegmentMapping } from '../../src/config.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import type { Store } from '../../src/db/open-store.js'
import { findSnoozedDealIds, snoozeDeal } from '../../src/db/slack-snoozes.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { EMPTY_ROSTER } from '../../src/slack/access/load-roster.js'
import { viewerForEmail } from '../../src/slack/access/resolve-viewer.js'
import { type FakeHubspotDeal, generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { FAKE_USERS, generateOpportunities, startSalesforceFake } from '../fakes/salesforce-fake.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'

// A store can hold a CSV import and a CRM sync at once, and an owner id (`sales_rep_id`) of one
// easily equals another person's id in the other. Slack access goes by owner id, found by email:
// each person must see their own deals, and only those, whichever source wrote last.

const closers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close()
})

const MAY_20 = Date.UTC(2024, 4, 20)
const HUBSPOT_SEGMENTS: SegmentMapping = {
  region: 'region',
  industry: 'industry',
  productType: 'dealtype',
  leadSource: 'hs_analytics_source',
}
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
// Ana's HubSpot owner id (the fake's first owner), used in a hand-made CSV for another person.
const ANA_ID = '61234501'
const ZED = 'zed@csv.example'

function hubspot(fake: HubspotFake) {
  return createHubspotSource({
    token: fake.token,
    baseUrl: fake.url,
    segments: HUBSPOT_SEGMENTS,
    clock: virtualClock(Date.UTC(2024, 5, 1)),
    limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
    backoffBaseMs: 10,
  })
}

/** A CSV of `n` open deals of owner `repId` / `email`, ids `c1`..., created in 2020. */
function csvOf(repId: string, email: string, n: number, name = 'd.csv') {
  const rows = Array.from(
    { length: n },
    (_, i) => `c${i + 1},2020-01-0${i + 1},,${repId},${email},SaaS,EMEA,Core,Web,Demo,${1000 + i},Open`,
  )
  return writeTempFile(name, `${HEADER}\n${rows.join('\n')}\n`)
}

/** What the person with `email` sees through Slack's access check: their deals by source, counted. */
async function seenBy(store: Store, email: string): Promise<Record<string, number>> {
  const viewer = await viewerForEmail({ store, roster: EMPTY_ROSTER }, 'U1', email)
  if (viewer.ownerIds === null || viewer.ownerIds.length === 0) return {}
  const rows = await store.db
    .selectFrom('deals')
    .select(['source', (eb) => eb.fn.countAll<number>().as('n')])
    .where('owner_id', 'in', [...viewer.ownerIds])
    .groupBy('source')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.source, Number(r.n)]))
}

/** The fake's live deals of HubSpot owner `ownerId`. */
const hubspotDealsOf = (fake: HubspotFake, ownerId: string) =>
  [...fake.deals.values()].filter((d) => !d.archived && d.properties.hubspot_owner_id === ownerId).length

describeEachDialect('owner ids shared by a CSV import and a CRM', (dialect) => {
  const open = async () => {
    const store = await dialect.open()
    closers.push(store)
    return store
  }
  const fakeWith = async (deals: FakeHubspotDeal[]) => {
    let tick = MAY_20
    const fake = await startHubspotFake({ deals, now: () => (tick += 1000) })
    closers.push(fake)
    return fake
  }

  it("keeps a CSV owner and another person's HubSpot owner of the same id apart: first sync, incremental sync, re-import", async () => {
    const store = await open()
    const fake = await fakeWith(generateHubspotDeals(30, { seed: 5 }))
    const anaDeals = hubspotDealsOf(fake, ANA_ID)
    expect(anaDeals).toBeGreaterThan(0)
    await importCsvFile(store, { path: csvOf(ANA_ID, ZED, 3), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    expect(await seenBy(store, ZED)).toEqual({ csv: 3 })

    const first = await syncCrm(store, hubspot(fake))
    expect(first.notes?.join('\n')).toContain(`hubspot:${ANA_ID}`)
    expect(await seenBy(store, ZED)).toEqual({ csv: 3 })
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ hubspot: anaDeals })
    // The CRM's owner keeps its own id in its own name: reports tell the two people apart.
    const anaRow = await store.db
      .selectFrom('owners')
      .select(['email', 'source'])
      .where('owner_id', '=', `hubspot:${ANA_ID}`)
      .executeTakeFirst()
    expect(anaRow).toEqual({ email: 'ana.ruiz@example.com', source: 'hubspot' })

    // An incremental sync of one of Ana's deals, then a re-import of the CSV: still apart.
    const anaDeal = [...fake.deals.values()].find((d) => d.properties.hubspot_owner_id === ANA_ID) as FakeHubspotDeal
    fake.updateDeal(anaDeal.id, { amount: '777' })
    expect(await syncCrm(store, hubspot(fake))).toMatchObject({ deals: 1 })
    await importCsvFile(store, { path: csvOf(ANA_ID, ZED, 4, 'again.csv'), stages: DEFAULT_STAGES, now: new Date('2024-06-02T00:00:00Z') })
    expect(await seenBy(store, ZED)).toEqual({ csv: 4 })
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ hubspot: anaDeals })
    const stored = await store.db.selectFrom('deals').select('owner_id').where('deal_id', '=', anaDeal.id).executeTakeFirstOrThrow()
    expect(stored.owner_id).toBe(`hubspot:${ANA_ID}`)
  })

  it('moves the HubSpot owner aside when a later CSV import gives another person its id, and the next sync keeps it there', async () => {
    const store = await open()
    const fake = await fakeWith(generateHubspotDeals(30, { seed: 6 }))
    const anaDeals = hubspotDealsOf(fake, ANA_ID)
    await syncCrm(store, hubspot(fake))
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ hubspot: anaDeals })

    const imported = await importCsvFile(store, {
      path: csvOf(ANA_ID, ZED, 2),
      stages: DEFAULT_STAGES,
      now: new Date('2024-06-01T00:00:00Z'),
    })
    expect(imported.ownersMovedApart).toEqual([{ id: ANA_ID, source: 'hubspot', key: `hubspot:${ANA_ID}` }])
    expect(formatImportSummary(imported)).toContain(`the CRM's owner and their deals are stored as hubspot:${ANA_ID}`)
    // The advice holds for a CRM owner with no email too: the email is added in the CRM first.
    expect(formatImportSummary(imported)).toContain('where the CRM has none, add it there and sync before importing again')
    expect(await seenBy(store, ZED)).toEqual({ csv: 2 })
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ hubspot: anaDeals })
    // A re-import moves nothing more.
    const again = await importCsvFile(store, {
      path: csvOf(ANA_ID, ZED, 2, 'b.csv'),
      stages: DEFAULT_STAGES,
      now: new Date('2024-06-01T01:00:00Z'),
    })
    expect(again).not.toHaveProperty('ownersMovedApart')

    const anaDeal = [...fake.deals.values()].find((d) => d.properties.hubspot_owner_id === ANA_ID) as FakeHubspotDeal
    fake.updateDeal(anaDeal.id, { amount: '888' })
    await syncCrm(store, hubspot(fake))
    expect(await seenBy(store, ZED)).toEqual({ csv: 2 })
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ hubspot: anaDeals })
  })

  it('sets right a store that mixed the two people before: a sync, then the CSV imported again', async () => {
    const store = await open()
    const fake = await fakeWith(generateHubspotDeals(30, { seed: 9 }))
    const anaDeals = hubspotDealsOf(fake, ANA_ID)
    await syncCrm(store, hubspot(fake))
    // As an import used to leave it: the CSV's email written over HubSpot's owner of the id, its deals under that id.
    await store.db.updateTable('owners').set({ email: ZED }).where('owner_id', '=', ANA_ID).execute()
    await importCsvFile(store, { path: csvOf(ANA_ID, ZED, 2), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    expect(await seenBy(store, ZED)).toEqual({ csv: 2, hubspot: anaDeals })
    await syncCrm(store, hubspot(fake))
    await importCsvFile(store, { path: csvOf(ANA_ID, ZED, 2, 'b.csv'), stages: DEFAULT_STAGES, now: new Date('2024-06-02T00:00:00Z') })
    expect(await seenBy(store, ZED)).toEqual({ csv: 2 })
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ hubspot: anaDeals })
  })

  it("moves HubSpot's deals already stored under an id another source's owner holds to the owner kept apart, on the next sync", async () => {
    const store = await open()
    const fake = await fakeWith(generateHubspotDeals(30, { seed: 10 }))
    const anaDeals = hubspotDealsOf(fake, ANA_ID)
    await syncCrm(store, hubspot(fake))
    // As a CSV import that wrote the owner first left it, before a sync took the id over.
    await store.db.updateTable('owners').set({ email: ZED, source: 'csv' }).where('owner_id', '=', ANA_ID).execute()
    const next = await syncCrm(store, hubspot(fake))
    expect(next).toMatchObject({ ownersKeptApart: 1 })
    expect(await seenBy(store, ZED)).toEqual({})
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ hubspot: anaDeals })
    const left = await store.db.selectFrom('deals').select('deal_id').where('owner_id', '=', ANA_ID).execute()
    expect(left).toEqual([])
  })

  it('keeps a snooze recorded by owner id (no email then) on the HubSpot deal whose owner a CSV import moves aside', async () => {
    const store = await open()
    const fake = await fakeWith(generateHubspotDeals(30, { seed: 11 }))
    await syncCrm(store, hubspot(fake))
    const deal = await store.db
      .selectFrom('deals')
      .select('deal_id')
      .where('owner_id', '=', ANA_ID)
      .where('outcome', '=', 'open')
      .orderBy('deal_id')
      .executeTakeFirstOrThrow()
    // Snoozed while the deal's owner had no email on record: the snooze names them by owner id alone.
    await snoozeDeal(store.db, { dealId: deal.deal_id, untilDate: '2024-06-09', by: 'U1', now: new Date(MAY_20), ownerId: ANA_ID })
    expect([...(await findSnoozedDealIds(store.db, '2024-06-02'))]).toEqual([deal.deal_id])

    const imported = await importCsvFile(store, {
      path: csvOf(ANA_ID, ZED, 2),
      stages: DEFAULT_STAGES,
      now: new Date('2024-06-01T00:00:00Z'),
    })
    expect(imported.ownersMovedApart).toEqual([{ id: ANA_ID, source: 'hubspot', key: `hubspot:${ANA_ID}` }])
    // The deal is still Ana's (her HubSpot owner, now stored apart): her snooze holds.
    expect([...(await findSnoozedDealIds(store.db, '2024-06-02'))]).toEqual([deal.deal_id])
    // Handed to another HubSpot owner, it is no longer hers: the snooze does not quiet the new owner.
    await store.db.updateTable('deals').set({ owner_id: '61234502' }).where('deal_id', '=', deal.deal_id).execute()
    expect([...(await findSnoozedDealIds(store.db, '2024-06-02'))]).toEqual([])
  })

  it('keeps one person one owner when the CSV and HubSpot give the same id the same email (in any case)', async () => {
    const store = await open()
    const fake = await fakeWith(generateHubspotDeals(30, { seed: 7 }))
    const anaDeals = hubspotDealsOf(fake, ANA_ID)
    await importCsvFile(store, {
      path: csvOf(ANA_ID, 'ana.ruiz@example.com', 2),
      stages: DEFAULT_STAGES,
      now: new Date('2024-06-01T00:00:00Z'),
    })
    const summary = await syncCrm(store, hubspot(fake))
    expect(summary.notes?.join('\n') ?? '').not.toContain(`hubspot:${ANA_ID}`)
    await importCsvFile(store, {
      path: csvOf(ANA_ID, 'Ana.Ruiz@example.com', 3, 'b.csv'),
      stages: DEFAULT_STAGES,
      now: new Date('2024-06-02T00:00:00Z'),
    })
    expect(await seenBy(store, 'ana.ruiz@example.com')).toEqual({ csv: 3, hubspot: anaDeals })
    const ids = await store.db.selectFrom('deals').select('owner_id').distinct().where('owner_id', 'like', `%${ANA_ID}`).execute()
    expect(ids).toEqual([{ owner_id: ANA_ID }])
  })

  it("keeps a CSV owner and another person's Salesforce owner of the same id apart, also when Salesforce's owners are read again", async () => {
    const store = await open()
    const user = FAKE_USERS[0] as (typeof FAKE_USERS)[number]
    let tick = MAY_20
    const fake = await startSalesforceFake({ opportunities: generateOpportunities(20, { seed: 3 }), now: () => (tick += 1000) })
    closers.push(fake)
    let at = Date.UTC(2024, 5, 1)
    const salesforce = () =>
      createSalesforceSource({
        url: fake.url,
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        segments: { region: 'Account.BillingCountry', industry: 'Account.Industry', productType: 'Type', leadSource: 'LeadSource' },
        clock: virtualClock(at),
        requestsPerSecond: 10_000,
        backoffBaseMs: 10,
      })
    const theirs = [...fake.opportunities.values()].filter((o) => o.OwnerId === user.Id).length
    expect(theirs).toBeGreaterThan(0)
    await importCsvFile(store, { path: csvOf(user.Id, ZED, 2), stages: DEFAULT_STAGES, now: new Date('2024-05-01T00:00:00Z') })
    await syncCrm(store, salesforce(), { now: () => new Date(at) })
    expect(await seenBy(store, ZED)).toEqual({ csv: 2 })
    expect(await seenBy(store, user.Email)).toEqual({ salesforce: theirs })
    // Two days on, the owners are read again (Salesforce has no owner list): still apart, still Ana's.
    at += 2 * 24 * 60 * 60 * 1000
    await syncCrm(store, salesforce(), { now: () => new Date(at) })
    expect(await seenBy(store, ZED)).toEqual({ csv: 2 })
    expect(await seenBy(store, user.Email)).toEqual({ salesforce: theirs })
    const row = await store.db
      .selectFrom('owners')
      .select(['email', 'name'])
      .where('owner_id', '=', `salesforce:${user.Id}`)
      .executeTakeFirst()
    expect(row).toEqual({ email: user.Email, name: user.Name })
  })
})

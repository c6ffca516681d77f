import { afterEach, describe, expect, it } from 'vitest'
import type { SegmentMapping } from '../../src/config.js'
import { opportunityFields } from '../../src/crm/salesforce/map-salesforce-opportunity.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import { staysFromChanges } from '../../src/crm/stage-stays.js'
import type { Store } from '../../src/db/open-store.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { createLogger } from '../../src/log/create-logger.js'
import {
  FAKE_ACCOUNTS,
  FAKE_USERS,
  type FakeAccount,
  type FakeOpportunity,
  generateOpportunities,
  type SalesforceFake,
  startSalesforceFake,
} from '../fakes/salesforce-fake.js'
import { openTestStore } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'
import { expectStaysIn, staysOffTheUtcDay, storeSnapshot } from './store-snapshot.js'

const SEGMENTS: SegmentMapping = {
  region: 'Account.BillingCountry',
  industry: 'Account.Industry',
  productType: 'Type',
  leadSource: 'LeadSource',
}
const MAY_20 = Date.UTC(2024, 4, 20)

let fake: SalesforceFake | undefined
let store: Store | undefined
afterEach(async () => {
  await fake?.close()
  await store?.close()
  fake = undefined
  store = undefined
})

async function fakeWith(opps: FakeOpportunity[], options: Parameters<typeof startSalesforceFake>[0] = {}) {
  let tick = MAY_20
  return startSalesforceFake({ opportunities: opps, now: () => (tick += 1000), ...options })
}

function source(f: SalesforceFake, extra: Partial<Parameters<typeof createSalesforceSource>[0]> = {}) {
  return createSalesforceSource({
    url: f.url,
    clientId: f.clientId,
    clientSecret: f.clientSecret,
    segments: SEGMENTS,
    clock: virtualClock(Date.UTC(2024, 5, 1)),
    requestsPerSecond: 10_000,
    backoffBaseMs: 10,
    ...extra,
  })
}

const CLOSED = new Set(['Closed Won', 'Closed Lost'])
const iso = (sf: string) => new Date(Date.parse(sf.replace('+0000', 'Z'))).toISOString()

/** The calendar day of a Salesforce datetime in `timeZone`, as a wall calendar there shows it. */
const dayIn = (sf: string, timeZone: string) => new Date(iso(sf)).toLocaleDateString('en-CA', { timeZone })

function expected(f: SalesforceFake, timeZone = 'UTC') {
  const live = [...f.opportunities.values()].filter((o) => !o.IsDeleted).sort((a, b) => (a.Id < b.Id ? -1 : 1))
  const staysOf = (o: FakeOpportunity) =>
    staysFromChanges(
      o.Id,
      o.history.map((h) => ({ stage: h.StageName, at: iso(h.CreatedDate) })),
    )
  const deals = live.map((o) => {
    const account = o.AccountId === null ? undefined : f.accounts.get(o.AccountId)
    const lost = o.IsClosed && !o.IsWon
    return {
      deal_id: o.Id,
      outcome: o.IsWon ? 'won' : lost ? 'lost' : 'open',
      stage: lost ? [...staysOf(o)].reverse().find((s) => !CLOSED.has(s.stage))?.stage : o.StageName,
      amount: o.Amount ?? 0,
      owner_id: o.OwnerId,
      owner_email: FAKE_USERS.find((u) => u.Id === o.OwnerId)?.Email.toLowerCase(),
      // A deal closed before its record was created existed by its close.
      created_date: o.IsClosed && o.CloseDate < dayIn(o.CreatedDate, timeZone) ? o.CloseDate : dayIn(o.CreatedDate, timeZone),
      // CloseDate is a date: stored as written.
      closed_date: o.IsClosed ? o.CloseDate : null,
      last_activity_date: o.LastActivityDate,
      region: account?.BillingCountry ?? 'Unknown',
      industry: account?.Industry ?? 'Unknown',
      product_type: o.Type ?? 'Unknown',
      lead_source: o.LeadSource ?? 'Unknown',
      source: 'salesforce',
    }
  })
  const history = live
    .flatMap((o) => staysOf(o).map((s) => ({ deal_id: s.dealId, stage: s.stage, entered_at: s.enteredAt, left_at: s.leftAt })))
    .sort((a, b) => (a.deal_id < b.deal_id ? -1 : a.deal_id > b.deal_id ? 1 : a.entered_at < b.entered_at ? -1 : 1))
  return { deals, history }
}

async function expectStoreToMatch(f: SalesforceFake, s: Store, timeZone?: string) {
  const snap = await storeSnapshot(s)
  const want = expected(f, timeZone)
  expect(snap.deals.length).toBe(want.deals.length)
  const keys = Object.keys(want.deals[0] ?? {})
  expect(snap.deals.map((d) => Object.fromEntries(keys.map((k) => [k, (d as Record<string, unknown>)[k]])))).toEqual(want.deals)
  expectStaysIn(timeZone, snap.history, want.history)
}

describe('Salesforce sync', () => {
  it('a full sync stores exactly the fake org: opportunities, collapsed history, owners, Account.* segments, stage order', async () => {
    fake = await fakeWith(generateOpportunities(2500, { seed: 11 }))
    store = await openTestStore()
    const summary = await syncCrm(store, source(fake))
    expect(summary).toMatchObject({ deals: 2500, stages: 6 })
    await expectStoreToMatch(fake, store)
    const snap = await storeSnapshot(store)
    expect(snap.stages.map((s) => [s.name, s.is_closed, s.is_won])).toEqual([
      ['Prospecting', 0, 0],
      ['Qualification', 0, 0],
      ['Proposal/Price Quote', 0, 0],
      ['Negotiation/Review', 0, 0],
      ['Closed Won', 1, 1],
      ['Closed Lost', 1, 0],
    ])
    expect(snap.owners.map((o) => [o.owner_id, o.email, o.name])).toEqual(FAKE_USERS.map((u) => [u.Id, u.Email.toLowerCase(), u.Name]))
    // Repeated history rows of one stage were collapsed: no two consecutive stays share a stage.
    const byDeal = new Map<string, typeof snap.history>()
    for (const h of snap.history) byDeal.set(h.deal_id, [...(byDeal.get(h.deal_id) ?? []), h])
    for (const stays of byDeal.values()) for (let i = 1; i < stays.length; i++) expect(stays[i]?.stage).not.toBe(stays[i - 1]?.stage)
    // Two query pages of at most 2,000, the second followed through nextRecordsUrl.
    expect(fake.requests.filter((r) => /\/query\/01gFAKE\d+-\d+$/.test(r.path)).length).toBe(1)
  })

  it.each(['America/Los_Angeles', 'Asia/Kolkata'])(
    'stores each datetime as its day in PULSE_TZ %s, each date as written',
    async (timeZone) => {
      const opps = generateOpportunities(300, { seed: 13 })
      // Created at 18:30 on March 31 in Los Angeles, which is April 1 in UTC and in Kolkata.
      const late = opps[0] as FakeOpportunity
      late.CreatedDate = '2024-04-01T01:30:00.000+0000'
      fake = await fakeWith(opps)
      store = await openTestStore()
      await syncCrm(store, source(fake, { timeZone }))
      await expectStoreToMatch(fake, store, timeZone)
      // Some stage changes fell on another UTC day than the team's: stored as the team's day.
      expect(staysOffTheUtcDay((await storeSnapshot(store)).history)).toBeGreaterThan(0)
      const row = await store.db.selectFrom('deals').select('created_date').where('deal_id', '=', late.Id).executeTakeFirstOrThrow()
      expect(row.created_date).toBe(timeZone === 'America/Los_Angeles' ? '2024-03-31' : '2024-04-01')
    },
  )

  it('a changed PULSE_TZ: the next sync says so and dates every stored opportunity in the new zone, then is incremental again', async () => {
    const opps = generateOpportunities(120, { seed: 13 })
    const late = opps[0] as FakeOpportunity
    late.CreatedDate = '2024-04-01T01:30:00.000+0000'
    fake = await fakeWith(opps)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store, 'UTC')
    // No opportunity changed in Salesforce: only the team's zone did.
    const logged: string[] = []
    const logger = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line).msg) })
    expect(await syncCrm(store, source(fake, { timeZone: 'America/Los_Angeles', logger }))).toMatchObject({ deals: 120 })
    await expectStoreToMatch(fake, store, 'America/Los_Angeles')
    const row = await store.db.selectFrom('deals').select('created_date').where('deal_id', '=', late.Id).executeTakeFirstOrThrow()
    expect(row.created_date).toBe('2024-03-31')
    expect(logged.join('\n')).toContain('PULSE_TZ "UTC" is now "America/Los_Angeles" since the last sync: reading every opportunity again')
    // The same zone spelled another way is no change.
    expect((await syncCrm(store, source(fake, { timeZone: 'america/los_angeles' }))).deals).toBe(0)
  })

  it('keeps the close date of an opportunity closed before its record was created (moved in from another CRM)', async () => {
    const opps = generateOpportunities(50, { seed: 17 })
    const migrated = opps.find((o) => o.IsClosed) as FakeOpportunity
    migrated.CloseDate = '2023-03-15'
    fake = await fakeWith(opps)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    const row = await store.db
      .selectFrom('deals')
      .select(['created_date', 'closed_date', 'closed_month', 'sales_cycle_days'])
      .where('deal_id', '=', migrated.Id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ created_date: '2023-03-15', closed_date: '2023-03-15', closed_month: '2023-03', sales_cycle_days: 0 })
  })

  it('a REQUEST_LIMIT_EXCEEDED that does not let up stops after a few retries, naming the likely spent API limit', async () => {
    fake = await fakeWith(generateOpportunities(30, { seed: 23 }))
    store = await openTestStore()
    const refused = [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]
    fake.failNext({ path: /\/query\?/ }, { status: 403, body: refused }, 100)
    const clock = virtualClock(Date.UTC(2024, 5, 1))
    const error = await syncCrm(store, source(fake, { clock, backoffBaseMs: 500 })).catch((e) => e)
    expect(error.code).toBe('crm_rate_limited')
    expect(error.message).toContain(
      'Salesforce refused GET /query (OpportunityStage) 6 times in a row (REQUEST_LIMIT_EXCEEDED TotalRequests Limit exceeded):',
    )
    expect(error.message).toContain("the org's API request limit is likely used up")
    // Five waits of 0.5, 1, 2, 4 and 8 s (with jitter): seconds, not the minutes a daily limit would take.
    expect(clock.sleeps.length).toBe(5)
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(15_500)
  })

  it("a multi-currency org: each opportunity keeps its CurrencyIsoCode; a single-currency org's query does not name the field", async () => {
    const opps = generateOpportunities(40, { seed: 19 }).map((o, i) => ({ ...o, CurrencyIsoCode: ['EUR', 'USD', 'JPY'][i % 3] as string }))
    fake = await fakeWith(opps)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    const rows = await store.db.selectFrom('deals').select(['deal_id', 'currency']).orderBy('deal_id').execute()
    expect(rows).toEqual(opps.map((o) => ({ deal_id: o.Id, currency: o.CurrencyIsoCode })).sort((a, b) => (a.deal_id < b.deal_id ? -1 : 1)))
    expect(fake.requests.filter((r) => r.path.includes('/describe'))).toHaveLength(1)
    // The answer is kept with the watermark: the next sync selects the field without asking again.
    const before = fake.requests.length
    await syncCrm(store, source(fake))
    const later = fake.requests.slice(before)
    expect(later.filter((r) => r.path.includes('/describe'))).toEqual([])
    expect(later.some((r) => r.path.includes('CurrencyIsoCode'))).toBe(true)
    await fake.close()
    await store.close()

    fake = await fakeWith(generateOpportunities(40, { seed: 19 }))
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    const currencies = await store.db.selectFrom('deals').select('currency').distinct().execute()
    expect(currencies).toEqual([{ currency: null }])
    expect(fake.requests.filter((r) => r.path.includes('CurrencyIsoCode'))).toEqual([])
  })

  it('a multi-currency org whose describe failed on the first sync: the next sync gives every stored opportunity its currency', async () => {
    const opps = generateOpportunities(30, { seed: 23 }).map((o, i) => ({ ...o, CurrencyIsoCode: ['EUR', 'GBP', 'JPY'][i % 3] as string }))
    fake = await fakeWith(opps)
    store = await openTestStore()
    fake.failNext(
      { method: 'GET', path: /\/sobjects\/Opportunity\/describe$/ },
      { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Try again' }] },
    )
    await syncCrm(store, source(fake))
    const currencies = async () => (await store?.db.selectFrom('deals').select(['deal_id', 'currency']).orderBy('deal_id').execute()) ?? []
    // Nothing to tell the currency by this time: stored without one, as documented.
    expect(new Set((await currencies()).map((r) => r.currency))).toEqual(new Set([null]))
    // The describe answers now; no opportunity changed in Salesforce meanwhile.
    const summary = await syncCrm(store, source(fake))
    expect(summary.deals).toBe(opps.length)
    expect(await currencies()).toEqual(
      opps.map((o) => ({ deal_id: o.Id, currency: o.CurrencyIsoCode })).sort((a, b) => (a.deal_id < b.deal_id ? -1 : 1)),
    )
    await expectStoreToMatch(fake, store)
    // Once every deal has its currency, syncs are incremental again.
    expect((await syncCrm(store, source(fake))).deals).toBe(0)
  })

  it('a segment read from another field (SALESFORCE_PRODUCT_FIELD changed): the next sync gives every stored opportunity the new one', async () => {
    const opps = generateOpportunities(40, { seed: 29 })
    fake = await fakeWith(opps)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    const products = async () =>
      (await store?.db.selectFrom('deals').select(['deal_id', 'product_type']).orderBy('deal_id').execute()) ?? []
    const byId = (field: 'Type' | 'LeadSource') =>
      opps.map((o) => ({ deal_id: o.Id, product_type: o[field] ?? 'Unknown' })).sort((a, b) => (a.deal_id < b.deal_id ? -1 : 1))
    expect(await products()).toEqual(byId('Type'))
    // No opportunity changed in Salesforce: only the mapping did.
    const logged: string[] = []
    const logger = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line).msg) })
    const remapped = { ...SEGMENTS, productType: 'LeadSource' }
    expect((await syncCrm(store, source(fake, { segments: remapped, logger }))).deals).toBe(opps.length)
    expect(await products()).toEqual(byId('LeadSource'))
    expect(logged.join('\n')).toContain('SALESFORCE_PRODUCT_FIELD "Type" is now "LeadSource"')
    // Once stored under the new mapping, the next sync is incremental again.
    expect((await syncCrm(store, source(fake, { segments: remapped }))).deals).toBe(0)
  })

  it('opportunities modified within the lag: stored once, read again only when modified again, and one committed late is still read', async () => {
    // The source's clock reads 2024-06-01T00:00:00Z: these opportunities changed in the minute before it.
    const now = Date.UTC(2024, 5, 1)
    const opps = generateOpportunities(5, { seed: 31, firstModified: now - 40_000 })
    fake = await startSalesforceFake({ opportunities: opps })
    store = await openTestStore()
    expect(await syncCrm(store, source(fake))).toMatchObject({ deals: 5 })
    // Nothing changed: nothing is stored again.
    expect(await syncCrm(store, source(fake))).toMatchObject({ deals: 0 })
    // One modified again, and one committed late (stamped before the others, seen only now).
    fake.updateOpportunity((opps[1] as FakeOpportunity).Id, { Amount: 4321 }, now - 5_000)
    fake.addOpportunity(generateOpportunities(1, { seed: 32, firstModified: now - 55_000, firstIndex: 9000 })[0] as FakeOpportunity)
    expect(await syncCrm(store, source(fake))).toMatchObject({ deals: 2 })
    await expectStoreToMatch(fake, store)
    expect(await syncCrm(store, source(fake))).toMatchObject({ deals: 0 })
  })

  it('segment fields written in another case than the org spells them (account.industry, leadsource) still read their values', async () => {
    const opps = generateOpportunities(30, { seed: 33 })
    fake = await fakeWith(opps)
    store = await openTestStore()
    // SOQL takes field names in any case; the records name them as the org spells them.
    const segments = { region: 'account.billingcountry', industry: 'ACCOUNT.Industry', productType: 'type', leadSource: 'leadsource' }
    await syncCrm(store, source(fake, { segments }))
    await expectStoreToMatch(fake, store)
    // A segment naming a field the sync selects anyway, in another case, selects it once (SOQL refuses it twice).
    const fields = opportunityFields({ ...segments, region: 'name', industry: 'Owner.EMAIL' }).map((f) => f.toLowerCase())
    expect(fields.filter((f) => f === 'name' || f === 'owner.email')).toEqual(['name', 'owner.email'])
  })

  it('a server answering the OpportunityHistories subquery with a bare array: history is read with its own query', async () => {
    fake = await fakeWith(generateOpportunities(60, { seed: 21 }), { batchSize: 25, historyAnswer: 'array' })
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    expect(fake.requests.some((r) => decodeURIComponent(r.path).includes('FROM OpportunityHistory WHERE OpportunityId IN'))).toBe(true)
  })

  it("a server leaving IsClosed and IsWon out of the records: outcomes come from their stage's OpportunityStage flags", async () => {
    fake = await fakeWith(generateOpportunities(120, { seed: 23 }), { omitFields: ['IsClosed', 'IsWon'] })
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    const outcomes = new Set((await storeSnapshot(store)).deals.map((d) => d.outcome))
    expect([...outcomes].sort()).toEqual(['lost', 'open', 'won'])
  })

  it('a server sending no instance_url with the token and no totalSize with its pages: the sync reads it all, links on SALESFORCE_URL', async () => {
    fake = await fakeWith(generateOpportunities(60, { seed: 25 }), { batchSize: 25, loose: true })
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    const link = await store.db.selectFrom('deals').select('crm_url').limit(1).executeTakeFirstOrThrow()
    expect(link.crm_url).toMatch(new RegExp(`^${fake.url}/lightning/r/Opportunity/006`))
  })

  it('checkbox fields written as text ("TRUE", as a proxy may send them) read as the booleans they name, deletions too', async () => {
    fake = await fakeWith(generateOpportunities(120, { seed: 27 }), { flagsAsText: true })
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    const outcomes = new Set((await storeSnapshot(store)).deals.map((d) => d.outcome))
    expect([...outcomes].sort()).toEqual(['lost', 'open', 'won'])
    fake.deleteOpportunity((fake.opportunities.values().next().value as FakeOpportunity).Id)
    expect(await syncCrm(store, source(fake))).toMatchObject({ removed: 1 })
    await expectStoreToMatch(fake, store)
  })

  it('an incremental sync picks up exactly the changed, added and deleted opportunities', async () => {
    const opps = generateOpportunities(300, { seed: 12 })
    fake = await fakeWith(opps)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    const [a, b, c] = [opps[3] as FakeOpportunity, opps[150] as FakeOpportunity, opps[299] as FakeOpportunity]
    fake.updateOpportunity(a.Id, { Amount: 12_345 }) // a history row repeating the current stage
    fake.updateOpportunity(b.Id, { StageName: 'Closed Lost' })
    fake.addOpportunity({
      ...(generateOpportunities(1, { seed: 13, firstModified: MAY_20 + 100_000, firstIndex: 9000 })[0] as FakeOpportunity),
    })
    fake.deleteOpportunity(c.Id)
    const n = fake.requests.length
    const summary = await syncCrm(store, source(fake))
    expect(summary).toMatchObject({ deals: 3, removed: 1 })
    await expectStoreToMatch(fake, store)
    const query = fake.requests.slice(n).find((r) => r.path.includes('FROM%20Opportunity%20WHERE%20SystemModstamp'))
    expect(decodeURIComponent(query?.path ?? '')).toContain('ORDER BY SystemModstamp ASC, Id ASC')
    const deletedQuery = fake.requests.slice(n).find((r) => r.path.startsWith('/services/data/v66.0/queryAll'))
    expect(decodeURIComponent(deletedQuery?.path ?? '')).toContain('IsDeleted = true')
    expect((await syncCrm(store, source(fake))).deals).toBe(0)
  })

  it("an account's industry or country changed in Salesforce reaches its stored opportunities, though none of them changed", async () => {
    const opps = generateOpportunities(400, { seed: 19 })
    fake = await fakeWith(opps)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    // Half an hour after that sync, two accounts change; the next syncs run an hour after it.
    const [germany, japan] = [FAKE_ACCOUNTS[0], FAKE_ACCOUNTS[2]] as [FakeAccount, FakeAccount]
    fake.updateAccount(germany.Id, { Industry: 'Biotechnology' }, Date.UTC(2024, 5, 1, 0, 30))
    fake.updateAccount(japan.Id, { BillingCountry: 'Austria' }, Date.UTC(2024, 5, 1, 0, 31))
    // One of their opportunities changed too: it is stored once.
    const both = opps.find((o) => o.AccountId === japan.Id) as FakeOpportunity
    fake.updateOpportunity(both.Id, { Amount: 4321 }, Date.UTC(2024, 5, 1, 0, 32))
    const later = () => source(fake as SalesforceFake, { clock: virtualClock(Date.UTC(2024, 5, 1, 1)) })
    const summary = await syncCrm(store, later())
    // Each opportunity of the two accounts once, none other.
    const touched = opps.filter((o) => o.AccountId === germany.Id || o.AccountId === japan.Id).length
    expect(touched).toBeGreaterThan(0)
    expect(summary.deals).toBe(touched)
    await expectStoreToMatch(fake, store)
    expect((await syncCrm(store, later())).deals).toBe(0)
  })

  it('accounts changed within the lag of a sync: the next sync reads their opportunities again only once they change again', async () => {
    const opps = generateOpportunities(200, { seed: 22 })
    fake = await fakeWith(opps)
    store = await openTestStore()
    // Every sync runs at 01:00:00, so the stored watermark stays at 00:59:00.
    const T = Date.UTC(2024, 5, 1, 1)
    const sync = () => syncCrm(store as Store, source(fake as SalesforceFake, { clock: virtualClock(T) }))
    const [germany, usa] = FAKE_ACCOUNTS as [FakeAccount, FakeAccount]
    const of = (a: FakeAccount) => opps.filter((o) => o.AccountId === a.Id).length
    fake.updateAccount(germany.Id, { Industry: 'Biotechnology' }, T - 20_000)
    expect((await sync()).deals).toBe(200)
    expect((await sync()).deals).toBe(0)
    fake.updateAccount(usa.Id, { BillingCountry: 'Canada' }, T - 10_000)
    expect((await sync()).deals).toBe(of(usa))
    expect((await sync()).deals).toBe(0)
    fake.updateAccount(germany.Id, { Industry: 'Retail' }, T - 5_000)
    expect((await sync()).deals).toBe(of(germany))
    await expectStoreToMatch(fake, store)
  })

  it('a server that refuses the query for changed accounts: the sync goes on, says so, and a later sync catches up', async () => {
    const opps = generateOpportunities(100, { seed: 20 })
    fake = await fakeWith(opps)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    const germany = FAKE_ACCOUNTS[0] as FakeAccount
    fake.updateAccount(germany.Id, { BillingCountry: 'Switzerland' }, Date.UTC(2024, 5, 1, 0, 30))
    fake.failNext(
      { path: /Account\.SystemModstamp/ },
      { status: 400, body: [{ message: "No such column 'SystemModstamp' on entity 'Account'.", errorCode: 'INVALID_FIELD' }] },
    )
    const logged: Array<{ msg: string; err?: string }> = []
    const logger = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line)) })
    const refused = await syncCrm(store, source(fake, { clock: virtualClock(Date.UTC(2024, 5, 1, 1)), logger }))
    expect(refused.deals).toBe(0)
    const warning = logged.find((l) => l.msg.includes('opportunities of changed Account records'))
    // What Salesforce said, without advice to change segment variables that are not at fault.
    expect(warning?.err).toBe("INVALID_FIELD No such column 'SystemModstamp' on entity 'Account'.")
    const caughtUp = await syncCrm(store, source(fake, { clock: virtualClock(Date.UTC(2024, 5, 1, 2)) }))
    expect(caughtUp.deals).toBe(opps.filter((o) => o.AccountId === germany.Id).length)
    await expectStoreToMatch(fake, store)
  })

  it('a record modified while the cursor is read, then a failed page: the rerun loses nothing', async () => {
    const opps = generateOpportunities(3000, { seed: 16 })
    let tick = Date.UTC(2024, 5, 1, 0, 0, 30)
    fake = await startSalesforceFake({ opportunities: opps, batchSize: 1000, now: () => (tick += 1000) })
    store = await openTestStore()
    let pages = 0
    fake.onRequest = (_m, path) => {
      if (!/\/query\/01g/.test(path)) return
      pages++
      // While page 2 is asked for: a record on it is modified (it now shows a stamp newer than
      // page 3's records), and page 3 will fail.
      if (pages === 1) fake?.updateOpportunity((opps[1500] as FakeOpportunity).Id, { Amount: 7 })
      if (pages === 1) fake?.failNext({ path: /\/query\/01g\w+-2000$/ }, { status: 500, body: 'down' }, 10)
    }
    const error = await syncCrm(store, source(fake, { clock: virtualClock(Date.UTC(2024, 5, 1)) })).catch((e) => e)
    expect(error.code).toBe('crm_unavailable')
    fake.onRequest = undefined
    await syncCrm(store, source(fake, { clock: virtualClock(Date.UTC(2024, 5, 1, 0, 5)) }))
    await expectStoreToMatch(fake, store)
  })

  it('re-mints the token on 401 INVALID_SESSION_ID and carries on', async () => {
    fake = await fakeWith(generateOpportunities(2500, { seed: 14 }))
    store = await openTestStore()
    let expired = false
    fake.onRequest = (_m, path) => {
      if (!expired && /\/query\/01gFAKE\d+-2000$/.test(path)) {
        expired = true
        fake?.expireSessions()
      }
    }
    await syncCrm(store, source(fake))
    expect(fake.issued.tokens).toBe(2)
    await expectStoreToMatch(fake, store)
  })

  it('a session expiring while several history queries are in flight: one new token for all of them', async () => {
    // A bare-array subquery answer: history comes from OpportunityHistory queries, four at a time
    // (beside the User query).
    fake = await fakeWith(generateOpportunities(1000, { seed: 17 }), { historyAnswer: 'array' })
    store = await openTestStore()
    const f = fake
    let expired = false
    let refusals = 0
    const slowRefusals: typeof fetch = async (url, init) => {
      if (!expired && decodeURIComponent(String(url)).includes('FROM OpportunityHistory WHERE')) {
        expired = true
        f.expireSessions()
      }
      const res = await fetch(url, init)
      // The refusals arrive one after another, each well after the one before was dealt with.
      if (res.status === 401) await new Promise((resolve) => setTimeout(resolve, 150 * refusals++))
      return res
    }
    await syncCrm(store, source(fake, { fetch: slowRefusals }))
    expect(refusals).toBeGreaterThanOrEqual(4)
    expect(fake.issued.tokens).toBe(2)
    await expectStoreToMatch(fake, store)
  })

  it('names SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET when the token endpoint refuses the credentials', async () => {
    fake = await fakeWith([])
    store = await openTestStore()
    const error = await syncCrm(store, source(fake, { clientSecret: 'nope' })).catch((e) => e)
    expect(error.code).toBe('crm_auth')
    expect(error.message).toContain('SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET')
    expect(error.message).toContain('invalid_client')
    expect(error.message).not.toContain('nope')
  })

  it('SALESFORCE_URL pasted from the address bar or the docs (a page, an API path, a query) still syncs', async () => {
    fake = await fakeWith(generateOpportunities(40, { seed: 18 }))
    for (const pasted of ['/', '/lightning/page/home', '/services/data/v66.0/', '/services/oauth2/token', '/?startURL=%2Fhome']) {
      store = await openTestStore()
      const summary = await syncCrm(store, source(fake, { url: `${fake.url}${pasted}` }))
      expect(summary.deals, pasted).toBe(40)
      await expectStoreToMatch(fake, store)
      await store.close()
      store = undefined
    }
  })

  it("a SALESFORCE_URL whose token endpoint is not Salesforce's is named as the thing to fix, not the client credentials", async () => {
    fake = await fakeWith([])
    store = await openTestStore()
    // Under this prefix the fake answers as its REST API does: 401 INVALID_SESSION_ID, not an OAuth error.
    const error = await syncCrm(store, source(fake, { url: `${fake.url}/sf-proxy` })).catch((e) => e)
    expect(error.code).toBe('crm_auth')
    expect(error.message).toContain(`SALESFORCE_URL (${fake.url}/sf-proxy) did not answer as Salesforce's token endpoint does`)
    expect(error.message).toContain('INVALID_SESSION_ID')
    expect(error.message).not.toContain('SALESFORCE_CLIENT_SECRET')
    expect(error.message).not.toContain(fake.clientSecret)
  })

  it('a SALESFORCE_URL whose token endpoint answers 200 without a token (a web page) is named as the thing to fix', async () => {
    fake = await fakeWith([])
    store = await openTestStore()
    for (const body of ['<!DOCTYPE html><html><body>Welcome to Acme</body></html>', { ok: true }]) {
      fake.failNext({ path: '/services/oauth2/token' }, { status: 200, body })
      const error = await syncCrm(store, source(fake)).catch((e) => e)
      expect(error.code).toBe('crm_auth')
      expect(error.message).toContain(`SALESFORCE_URL (${fake.url}) did not answer as Salesforce's token endpoint does`)
      expect(error.message).not.toContain('next sync retries')
    }
  })

  it('a segment field the org lacks stops the sync with a message naming the variables to fix', async () => {
    fake = await fakeWith(generateOpportunities(5))
    store = await openTestStore()
    const error = await syncCrm(store, source(fake, { segments: { ...SEGMENTS, region: 'Account.Territory' } })).catch((e) => e)
    expect(error.code).toBe('crm_bad_response')
    expect(error.message).toContain("No such column 'Account.Territory'")
    expect(error.message).toContain('SALESFORCE_REGION_FIELD')
  })

  it('a Run As user that may not read OpportunityHistory: the sync stops saying which access to give, not which segment field to fix', async () => {
    fake = await fakeWith(generateOpportunities(5), { unreadable: ['OpportunityHistory'] })
    store = await openTestStore()
    const error = await syncCrm(store, source(fake)).catch((e) => e)
    expect(error.code).toBe('crm_bad_response')
    expect(error.message).toContain("sObject type 'OpportunityHistory' is not supported")
    expect(error.message).toContain('Run As user cannot read that object')
    expect(error.message).not.toContain('SALESFORCE_REGION_FIELD')
  })

  it('backs off on REQUEST_LIMIT_EXCEEDED and 503, and treats a malformed page as an error naming the endpoint', async () => {
    fake = await fakeWith(generateOpportunities(2100, { seed: 15 }))
    store = await openTestStore()
    fake.failNext(
      { path: /\/query$|\/query\?/ },
      { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] },
    )
    fake.failNext({ path: /\/query\/01g/ }, { status: 503, body: 'Service Unavailable' })
    const clock = virtualClock(Date.UTC(2024, 5, 1))
    await syncCrm(store, source(fake, { clock }))
    expect(clock.sleeps.length).toBe(2)
    await expectStoreToMatch(fake, store)

    fake.updateOpportunity((fake.opportunities.values().next().value as FakeOpportunity).Id, { Amount: 5 })
    fake.failNext(
      { path: /FROM%20Opportunity%20WHERE%20SystemModstamp/ },
      { status: 200, body: '{"totalSize": 1, "done": true, "records": [' },
    )
    const error = await syncCrm(store, source(fake)).catch((e) => e)
    expect(error.code).toBe('crm_bad_response')
    expect(error.message).toContain('GET /query (Opportunity)')
  })
})

import { afterEach, expect, it } from 'vitest'
import type { SegmentMapping } from '../../src/config.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import type { Store } from '../../src/db/open-store.js'
import { findWatermark } from '../../src/db/store-sync-page.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { type FakeHubspotDeal, generateHubspotDeals, startHubspotFake } from '../fakes/hubspot-fake.js'
import { generateOpportunities, startSalesforceFake } from '../fakes/salesforce-fake.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { openTestStore } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'
import { storeSnapshot } from './store-snapshot.js'

// The store side of a CRM sync on each database: the same fake CRM synced into SQLite (its
// prepared-statement path) and into the store under test must leave the same rows and watermark.

const closers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close()
})

const MAY_20 = Date.UTC(2024, 4, 20)
const clock = () => virtualClock(Date.UTC(2024, 5, 1))

async function syncRow(store: Store) {
  const {
    run_id: _,
    started_at: _s,
    finished_at: _f,
    ...row
  } = await store.db.selectFrom('sync_runs').selectAll().orderBy('run_id', 'desc').executeTakeFirstOrThrow()
  return row
}

describeEachDialect('CRM sync into the store', (dialect) => {
  const open = async () => {
    const store = await dialect.open()
    closers.push(store)
    const reference = await openTestStore()
    closers.push(reference)
    return { store, reference }
  }

  it('HubSpot: full and incremental syncs leave the same deals, history, owners, stages, runs and watermark as on SQLite', async () => {
    const { store, reference } = await open()
    const deals = generateHubspotDeals(700, { seed: 21 })
    let tick = MAY_20
    const fake = await startHubspotFake({ deals, now: () => (tick += 1000) })
    closers.push(fake)
    const segments: SegmentMapping = { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' }
    const source = () =>
      createHubspotSource({
        token: fake.token,
        baseUrl: fake.url,
        segments,
        clock: clock(),
        limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
        backoffBaseMs: 10,
      })
    for (const s of [reference, store]) expect(await syncCrm(s, source())).toMatchObject({ deals: 700, removed: 0 })
    expect(await storeSnapshot(store)).toEqual(await storeSnapshot(reference))
    fake.updateDeal((deals[10] as FakeHubspotDeal).id, { amount: '999' })
    fake.updateDeal((deals[300] as FakeHubspotDeal).id, { dealstage: 'closedlost' })
    fake.archiveDeal((deals[699] as FakeHubspotDeal).id)
    for (const s of [reference, store]) expect(await syncCrm(s, source())).toMatchObject({ deals: 2, removed: 1 })
    expect(await storeSnapshot(store)).toEqual(await storeSnapshot(reference))
    expect(await findWatermark(store.db, 'hubspot')).toBe(await findWatermark(reference.db, 'hubspot'))
    expect(await findWatermark(store.db, 'hubspot')).not.toBeNull()
    expect(await syncRow(store)).toEqual(await syncRow(reference))
  })

  it('Salesforce: a full sync leaves the same rows and watermark as on SQLite', async () => {
    const { store, reference } = await open()
    let tick = MAY_20
    const fake = await startSalesforceFake({ opportunities: generateOpportunities(2100, { seed: 22 }), now: () => (tick += 1000) })
    closers.push(fake)
    const source = () =>
      createSalesforceSource({
        url: fake.url,
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        segments: { region: 'Account.BillingCountry', industry: 'Account.Industry', productType: 'Type', leadSource: 'LeadSource' },
        clock: clock(),
        requestsPerSecond: 10_000,
        backoffBaseMs: 10,
      })
    for (const s of [reference, store]) expect(await syncCrm(s, source())).toMatchObject({ deals: 2100 })
    expect(await storeSnapshot(store)).toEqual(await storeSnapshot(reference))
    expect(await findWatermark(store.db, 'salesforce')).toBe(await findWatermark(reference.db, 'salesforce'))
    expect(await syncRow(store)).toEqual(await syncRow(reference))
  })
})

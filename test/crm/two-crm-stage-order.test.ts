import { afterEach, describe, expect, it } from 'vitest'
import type { SegmentMapping } from '../../src/config.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import type { Store } from '../../src/db/open-store.js'
import { findStageOrder } from '../../src/db/save-stage-order.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { DEFAULT_PIPELINE_STAGES, generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import {
  FAKE_STAGES,
  generateOpportunities,
  lastStageChangeOf,
  type SalesforceFake,
  startSalesforceFake,
} from '../fakes/salesforce-fake.js'
import { openTestStore } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'

const HS_SEGMENTS: SegmentMapping = { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' }
const SF_SEGMENTS: SegmentMapping = {
  region: 'Account.BillingCountry',
  industry: 'Account.Industry',
  productType: 'Type',
  leadSource: 'LeadSource',
}

let hubspot: HubspotFake | undefined
let salesforce: SalesforceFake | undefined
let store: Store | undefined
afterEach(async () => {
  await hubspot?.close()
  await salesforce?.close()
  await store?.close()
  hubspot = salesforce = store = undefined
})

async function startBoth() {
  let tick = Date.UTC(2024, 4, 20)
  hubspot = await startHubspotFake({ deals: generateHubspotDeals(40, { seed: 3 }), now: () => (tick += 1000) })
  salesforce = await startSalesforceFake({ opportunities: generateOpportunities(40, { seed: 4 }), now: () => (tick += 1000) })
  const clock = virtualClock(Date.UTC(2024, 5, 1))
  const hs = createHubspotSource({
    token: hubspot.token,
    baseUrl: hubspot.url,
    segments: HS_SEGMENTS,
    clock,
    limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
    backoffBaseMs: 10,
  })
  const sf = createSalesforceSource({
    url: salesforce.url,
    clientId: salesforce.clientId,
    clientSecret: salesforce.clientSecret,
    segments: SF_SEGMENTS,
    clock,
    requestsPerSecond: 10_000,
    backoffBaseMs: 10,
  })
  return { hs, sf }
}

const HS_OPEN = DEFAULT_PIPELINE_STAGES.filter((s) => !s.isClosed).map((s) => s.label)
const SF_OPEN = FAKE_STAGES.filter((s) => !s.IsClosed).map((s) => s.ApiName)

describe('a store synced from both HubSpot and Salesforce', () => {
  it("renames a Salesforce stage stored in HubSpot's spelling of it: its deals and their stays take the new name, dated as before", async () => {
    const { hs, sf } = await startBoth()
    const h = hubspot as HubspotFake
    const f = salesforce as SalesforceFake
    // HubSpot names a stage as Salesforce does, in another case, and syncs first: its spelling is the stored one.
    h.relabelStage('qualifiedtobuy', 'QUALIFICATION')
    store = await openTestStore()
    await syncCrm(store, hs)
    await syncCrm(store, sf)
    const db = (store as Store).db
    const salesforceDeals = async () =>
      await db
        .selectFrom('deals')
        .select(['deal_id', 'stage', 'lost_at_stage'])
        .where('source', '=', 'salesforce')
        .orderBy('deal_id')
        .execute()
    const salesforceStays = async () =>
      (
        await db
          .selectFrom('stage_history')
          .select(['deal_id', 'stage', 'entered_at', 'left_at'])
          .where('deal_id', 'in', db.selectFrom('deals').select('deal_id').where('source', '=', 'salesforce'))
          .orderBy('deal_id')
          .orderBy('entered_at')
          .execute()
      ).map((r) => `${r.deal_id} ${r.stage} ${r.entered_at.slice(0, 10)}-${r.left_at?.slice(0, 10) ?? ''}`)
    const before = await salesforceDeals()
    const inQualification = before.filter((d) => d.stage === 'QUALIFICATION').map((d) => d.deal_id)
    expect(inQualification.length).toBeGreaterThan(0)
    const staysBefore = await salesforceStays()

    // The picklist value is renamed in Salesforce (its OpportunityStage Id stays), its records follow,
    // and the Run As user no longer sees their history rows.
    const stage = FAKE_STAGES.find((st) => st.ApiName === 'Qualification') as { ApiName: string }
    stage.ApiName = 'Qualified Lead'
    try {
      for (const o of f.opportunities.values()) {
        o.LastStageChangeDate = lastStageChangeOf(o)
        o.history = []
        if (o.StageName === 'Qualification') o.StageName = 'Qualified Lead'
      }
      await syncCrm(store, sf)
    } finally {
      stage.ApiName = 'Qualification'
    }
    const after = await salesforceDeals()
    expect(after.filter((d) => d.stage === 'Qualified Lead').map((d) => d.deal_id)).toEqual(inQualification)
    expect(after.some((d) => d.stage === 'QUALIFICATION' || d.lost_at_stage === 'QUALIFICATION')).toBe(false)
    // Each stay as dated before, under the new name.
    expect(await salesforceStays()).toEqual(staysBefore.map((st) => st.replace(' QUALIFICATION ', ' Qualified Lead ')))
  })

  it("keeps both CRMs' stages in the order, whichever synced last, so neither CRM's deals drop out of the funnel", async () => {
    const { hs, sf } = await startBoth()
    store = await openTestStore()
    await syncCrm(store, hs)
    const afterSalesforce = await syncCrm(store, sf)
    const order = await findStageOrder(store.db)
    const open = order.filter((s) => !s.isClosed).map((s) => s.name)
    // HubSpot's open stages, then Salesforce's (sources in name order), then the closed ones.
    expect(open).toEqual([...HS_OPEN, ...SF_OPEN])
    expect(order.slice(open.length).every((s) => s.isClosed)).toBe(true)
    expect(order.filter((s) => s.isWon).map((s) => s.name)).toEqual(['Closed Won'])
    expect(afterSalesforce.notes?.some((n) => n.includes('deals from Salesforce and HubSpot'))).toBe(true)

    const funnel = await loadFunnelReport(store.db, { asOf: '2024-06-01' })
    expect(funnel.unplaced).toBe(0)

    // Syncing HubSpot again leaves the same order: reports do not depend on which CRM synced last.
    hubspot?.updateDeal([...(hubspot?.deals.keys() ?? [])][0] as string, { amount: '5000' })
    await syncCrm(store, hs)
    expect(await findStageOrder(store.db)).toEqual(order)
    expect((await loadFunnelReport(store.db, { asOf: '2024-06-01' })).unplaced).toBe(0)
  })

  it("drops another CRM's stages once the store holds none of its deals", async () => {
    const { hs, sf } = await startBoth()
    store = await openTestStore()
    await syncCrm(store, hs)
    await store.db.deleteFrom('stage_history').execute()
    await store.db.deleteFrom('deals').where('source', '=', 'hubspot').execute()
    const summary = await syncCrm(store, sf)
    expect((await findStageOrder(store.db)).filter((s) => !s.isClosed).map((s) => s.name)).toEqual(SF_OPEN)
    expect(summary.notes ?? []).toEqual([])
  })
})

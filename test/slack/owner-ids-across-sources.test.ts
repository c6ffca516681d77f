import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES, type SegmentMapping } from '../../src/config.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { loadRoster } from '../../src/slack/access/load-roster.js'
import { generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { openTestStore, writeTempFile } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

// A hand-made CSV whose sales_rep_id is a HubSpot owner's id, for another person, in one store
// with that HubSpot sync: over Slack's HTTP endpoint, each person's Home shows their deals alone.

const ZED = { id: 'UZEDCSV001', email: 'zed@csv.example' }
const ANA = { id: 'UANAHUB001', email: 'ana.ruiz@example.com' }
const ANA_HUBSPOT_ID = '61234501'
const SEGMENTS: SegmentMapping = { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' }

describe("Home tabs of a CSV owner and another person's HubSpot owner with the same id", () => {
  let hubspot: HubspotFake
  let t: SlackTestApp
  let anaDeals: string[]
  beforeAll(async () => {
    let tick = Date.UTC(2024, 4, 20)
    hubspot = await startHubspotFake({ deals: generateHubspotDeals(30, { seed: 5 }), now: () => (tick += 1000) })
    anaDeals = [...hubspot.deals.values()]
      .filter((d) => !d.archived && d.properties.hubspot_owner_id === ANA_HUBSPOT_ID && d.properties.hs_is_closed !== 'true')
      .map((d) => d.properties.dealname as string)
    const store = await openTestStore()
    const header =
      'deal_id,deal_name,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
    const rows = [1, 2, 3].map(
      (i) => `c${i},Zed deal ${i},2024-0${i}-02,,${ANA_HUBSPOT_ID},${ZED.email},SaaS,EMEA,Core,Web,Demo,${90_000 + i},Open`,
    )
    await importCsvFile(store, { path: writeTempFile('zed.csv', `${header}\n${rows.join('\n')}\n`), stages: DEFAULT_STAGES })
    const source = createHubspotSource({
      token: hubspot.token,
      baseUrl: hubspot.url,
      segments: SEGMENTS,
      clock: virtualClock(Date.UTC(2024, 5, 1)),
      limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
      backoffBaseMs: 10,
    })
    await syncCrm(store, source)
    const rosterPath = writeTempFile('roster.yaml', 'executives: [cro@acme.example]\n')
    const emails = {
      cro: 'cro@acme.example',
      admin: 'x1@acme.example',
      manager: 'x2@acme.example',
      rep: ZED.email,
      otherRep: ANA.email,
      stranger: 'x3@elsewhere.example',
    }
    t = await startSlackTestApp({
      company: { store, rosterPath, roster: loadRoster(rosterPath), emails, users: [{ id: PEOPLE.cro, email: emails.cro }] },
      extraUsers: [ZED, ANA],
    })
  })
  afterAll(async () => {
    await t?.close()
    await t?.company.store.close()
    await hubspot?.close()
  })

  const homeOf = async (userId: string) => {
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(userId), 'application/json')
    await waitFor(() => t.fake.views.some((v) => v.userId === userId), 20_000, 'the Home view')
    return JSON.stringify(t.fake.views.filter((v) => v.userId === userId).at(-1)?.view.blocks)
  }

  it("shows the CSV's owner their CSV deals and none of HubSpot's, and the HubSpot owner theirs and none of the CSV's", async () => {
    expect(anaDeals.length).toBeGreaterThan(0)
    const zed = await homeOf(ZED.id)
    expect(zed).toContain('Zed deal 1')
    for (const name of anaDeals) expect(zed).not.toContain(name)
    const ana = await homeOf(ANA.id)
    expect(ana).not.toContain('Zed deal')
    expect(anaDeals.some((name) => ana.includes(name))).toBe(true)
  })
})

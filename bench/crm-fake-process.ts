// A CRM fake in its own process for the CRM benchmark: a remote CRM does its work on another
// machine, so the fake must not share the sync's event loop. Driven over IPC by bench/crm-bench.ts.

import type { SegmentMapping } from '../src/config.js'
import { HISTORY_SUBQUERY, opportunityFields } from '../src/crm/salesforce/map-salesforce-opportunity.js'
import { generateHubspotDeals, type HubspotFake, startHubspotFake } from '../test/fakes/hubspot-fake.js'
import { generateOpportunities, type SalesforceFake, startSalesforceFake } from '../test/fakes/salesforce-fake.js'

/** What the parent asks for. */
export type FakeCommand =
  | { cmd: 'start-hubspot'; count: number; seed: number; searchPerSecond: number; burstPerTenSeconds: number }
  | { cmd: 'start-salesforce'; count: number; seed: number; requestsPerSecond: number; batchSize: number; segments: SegmentMapping }
  | { cmd: 'stats' }
  | { cmd: 'close' }

let hubspot: HubspotFake | undefined
let salesforce: SalesforceFake | undefined

process.on('message', async (m: FakeCommand) => {
  if (m.cmd === 'start-hubspot') {
    hubspot = await startHubspotFake({
      deals: generateHubspotDeals(m.count, { seed: m.seed }),
      searchPerSecond: m.searchPerSecond,
      burstPerTenSeconds: m.burstPerTenSeconds,
    })
    process.send?.({ url: hubspot.url, secret: hubspot.token })
  } else if (m.cmd === 'start-salesforce') {
    salesforce = await startSalesforceFake({
      opportunities: generateOpportunities(m.count, { seed: m.seed }),
      requestsPerSecond: m.requestsPerSecond,
      batchSize: m.batchSize,
    })
    // Render the records the sync will ask for once, up front, so the fake answers as fast as a server would.
    // (The fake org has LastStageChangeDate and one currency, so the sync selects that field and not CurrencyIsoCode.)
    salesforce.prerender(`SELECT ${opportunityFields(m.segments, false, true).join(', ')}, ${HISTORY_SUBQUERY} FROM Opportunity`)
    process.send?.({ url: salesforce.url, secret: salesforce.clientSecret })
  } else if (m.cmd === 'stats') {
    const reads = hubspot?.batchReadIds ?? []
    process.send?.({
      requests: (hubspot ?? salesforce)?.requests.length ?? 0,
      limited: hubspot ? hubspot.limited.search + hubspot.limited.burst : (salesforce?.limited.count ?? 0),
      limitedSearch: hubspot?.limited.search ?? 0,
      limitedBurst: hubspot?.limited.burst ?? 0,
      batchReads: reads.length,
      distinctBatchReads: new Set(reads).size,
    })
  } else if (m.cmd === 'close') {
    await hubspot?.close()
    await salesforce?.close()
    process.exit(0)
  }
})

import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// Five deals; on 2024-02-15 F1, F2 and F4 sat in Demo (F1 won and F2 was lost later, after
// moving on), F3 was lost in Demo, F5 was won.
const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history
F1,2024-01-02,2024-03-20,r1,SaaS,EMEA,Core,Inbound,Closed,20000,Won,Qualified@2024-01-02;Demo@2024-01-10;Proposal@2024-03-01;Negotiation@2024-03-10;Closed@2024-03-20
F2,2024-01-02,2024-03-20,r1,SaaS,EMEA,Core,Inbound,Negotiation,20000,Lost,Qualified@2024-01-02;Demo@2024-01-10;Negotiation@2024-03-10
F3,2024-01-02,2024-01-20,r1,SaaS,EMEA,Core,Inbound,Demo,20000,Lost,Qualified@2024-01-02;Demo@2024-01-10
F4,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,20000,Open,Qualified@2024-01-02;Demo@2024-01-10
F5,2024-01-05,2024-02-01,r1,SaaS,EMEA,Core,Inbound,Closed,20000,Won,Qualified@2024-01-05;Demo@2024-01-07;Proposal@2024-01-10;Negotiation@2024-01-20;Closed@2024-02-01
`

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('report funnel as of a day in the past', (dialect) => {
  it('places each deal at the stage it sat at that day, not where it ended up later', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('funnel.csv', CSV), stages: DEFAULT_STAGES })
    const past = await loadFunnelReport(store.db, { asOf: '2024-02-15' })
    expect(past.stages.map((s) => [s.stage, s.reached, s.lost, s.open])).toEqual([
      ['Qualified', 5, 0, 0],
      ['Demo', 5, 1, 3],
      ['Proposal', 1, 0, 0],
      ['Negotiation', 1, 0, 0],
      ['Closed', 1, 0, 0],
    ])
    expect(past.unplaced ?? 0).toBe(0)
    // Today, the same deals where they ended.
    const now = await loadFunnelReport(store.db, { asOf: '2024-06-30' })
    expect(now.stages.map((s) => [s.stage, s.reached, s.lost, s.open])).toEqual([
      ['Qualified', 5, 0, 0],
      ['Demo', 5, 1, 1],
      ['Proposal', 3, 0, 0],
      ['Negotiation', 3, 1, 0],
      ['Closed', 2, 0, 0],
    ])
  })
})

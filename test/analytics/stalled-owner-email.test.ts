import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// S2's row leaves the owner email out; r2's other deal gives it.
const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,owner_email
S1,2024-05-01,,r2,SaaS,EMEA,Core,Inbound,Demo,60000,Open,B@x.com
S2,2024-05-01,,r2,SaaS,EMEA,Core,Inbound,Demo,70000,Open,
S3,2024-05-01,,r3,SaaS,EMEA,Core,Inbound,Demo,80000,Open,
`

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('the stalled list', (dialect) => {
  it("names the owner's known email for a deal whose row left it out, and none where no row gives one", async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('stalled.csv', CSV), stages: DEFAULT_STAGES })
    const report = await loadStalledReport(store.db, { asOf: '2024-07-20', rules: { alertAmount: 50_000, idleDays: 14, staleDays: 30 } })
    expect(report.stalled.map((d) => [d.dealId, d.ownerEmail])).toEqual([
      ['S3', null],
      ['S2', 'b@x.com'],
      ['S1', 'b@x.com'],
    ])
  })
})

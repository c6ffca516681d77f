import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { DEFAULT_STAGES } from '../../src/domain/default-stages.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'
import { withoutRollup } from '../helpers/without-rollup.js'

const CSV = [
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date',
  // Open 19 days, with an activity (or update) carried over from before it was created: not stale when it closed.
  'CARRIED-A,2024-03-01,2024-03-20,rep_1,SaaS,EMEA,Core,Inbound,Demo,5000,Won,2023-01-15,',
  'CARRIED-U,2024-03-01,2024-03-20,rep_1,SaaS,EMEA,Core,Inbound,Demo,5000,Lost,,2023-01-15',
  // Open 79 days, the carried-over date counts as its creation: quiet 79 days before it closed, stale.
  'LONG,2024-01-01,2024-03-20,rep_1,SaaS,EMEA,Core,Inbound,Demo,5000,Lost,2023-01-15,',
  // Quiet 50 days before its close on its own dates: stale.
  'QUIET,2024-01-01,2024-03-20,rep_1,SaaS,EMEA,Core,Inbound,Demo,5000,Won,2024-01-30,',
  // Active until 9 days before its close: not stale.
  'ACTIVE,2024-01-01,2024-03-20,rep_1,SaaS,EMEA,Core,Inbound,Demo,5000,Won,2024-03-11,',
].join('\n')

describeEachDialect('closed deals stale when they closed, with a touch dated before their creation', (dialect) => {
  let store: Store
  beforeAll(async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('closed-stale.csv', `${CSV}\n`), stages: DEFAULT_STAGES })
  })
  afterAll(async () => {
    await store.close()
  })

  it('count the quiet spell from the creation, from the rollup and from the deals alike', async () => {
    const query = { asOf: '2024-04-30', where: {} }
    const fromRollup = await loadStalledReport(store.db, query)
    const fromDeals = await withoutRollup(store, () => loadStalledReport(store.db, query))
    expect(fromRollup.stale.closedCount).toBe(2)
    expect(fromDeals.stale.closedCount).toBe(2)
  })
})

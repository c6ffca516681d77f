import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { isRollupStale } from '../../src/db/is-rollup-stale.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { refreshAfterSync, type SyncSummary } from '../../src/ingest/sync-crm.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,sales_cycle_days,outcome
D1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12000,30,Won
D2,2024-01-05,,rep_2,SaaS,EMEA,Core,Inbound,Demo,8000,,Open
`

/** A sync that stored nothing new (an incremental run after the one before was stopped). */
const NOTHING_NEW: SyncSummary = {
  runId: 1,
  source: 'hubspot',
  mode: 'incremental',
  pages: 1,
  deals: 0,
  removed: 0,
  owners: 0,
  stages: 0,
  rejected: 0,
  seconds: 0.1,
}

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('refreshAfterSync', (dialect) => {
  it('rebuilds the report summaries left behind by a stopped sync, even when the next sync brings nothing new', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('d.csv', CSV), stages: DEFAULT_STAGES })
    expect(await isRollupStale(store.db)).toBe(false)
    expect(await refreshAfterSync(store, NOTHING_NEW)).toBe(false)
    // A sync stores a page (the data changes) and is stopped before it rebuilds the summaries.
    await store.db.updateTable('meta').set({ value: 'after-a-stored-page' }).where('key', '=', 'data_version').execute()
    expect(await isRollupStale(store.db)).toBe(true)
    expect(await refreshAfterSync(store, NOTHING_NEW)).toBe(true)
    expect(await isRollupStale(store.db)).toBe(false)
  })
})

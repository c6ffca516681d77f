import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { findDataVersion } from '../../src/db/find-data-version.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome
D1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,0,Lost
D2,2024-01-05,2024-03-01,rep_2,FinTech,APAC,Pro,Referral,Demo,0,Lost
D3,2024-01-05,2024-03-01,rep_2,FinTech,APAC,Pro,Referral,Demo,5000,Won
D4,2024-01-06,2024-03-02,rep_2,FinTech,APAC,Pro,Referral,Demo,0,Won
`

let store: Store | undefined
let schema: string | undefined
afterEach(async () => {
  if (store && schema) await dropTestSchema(store.db, schema)
  await store?.close()
  store = undefined
})

describeEachDialect('upgrading a store synced before CRM deals with no amount had a band of their own', (dialect) => {
  it('moves its CRM deals stored at 0 from <10k to Unknown, leaves a CSV amount of 0 in <10k, and sets the report summaries aside', async () => {
    const options = durableStoreOptions(dialect, `${tempDir()}/pulse.db`)
    schema = options.schema
    store = await openStore(options)
    await importCsvFile(store, { path: writeTempFile('d.csv', CSV), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    // The store as an earlier release left a sync: deals D1 and D2 came from HubSpot and Salesforce without an amount.
    await store.db.updateTable('deals').set({ source: 'hubspot' }).where('deal_id', 'in', ['D1', 'D3']).execute()
    await store.db.updateTable('deals').set({ source: 'salesforce' }).where('deal_id', '=', 'D2').execute()
    await store.db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '>=', '0014-crm-no-amount-band' as never)
      .execute()
    const before = await findDataVersion(store.db)
    await store.close()

    store = await openStore(options)
    const bands = await store.db.selectFrom('deals').select(['deal_id', 'amount_band']).orderBy('deal_id').execute()
    expect(bands.map((d) => [d.deal_id, d.amount_band])).toEqual([
      ['D1', 'Unknown'],
      ['D2', 'Unknown'],
      ['D3', '<10k'],
      ['D4', '<10k'],
    ])
    expect(await findDataVersion(store.db)).not.toBe(before)
  })
})

import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { findMonthlyOutcomes } from '../../src/db/find-monthly-outcomes.js'
import { findRollupSlice } from '../../src/db/find-rollup-slice.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

let store: Store | undefined
afterEach(async () => store?.close())

const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome
D1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12000,Won
D2,2024-01-05,2024-03-01,rep_2,FinTech,APAC,Pro,Referral,Demo,55000,Lost
`

describeEachDialect('reports read from the rollup for a list of owners', (dialect) => {
  it('an empty owner list (a manager whose team owns no deal yet) matches nothing instead of failing', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('d.csv', CSV), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    const scope = { asOf: '2024-06-01', ownerIds: [] }
    // The rollup answers this scope (not the deals table).
    expect(await findRollupSlice(store.db, scope)).toMatchObject({ dims: 'owner_id', v1: [] })
    expect(await findMonthlyOutcomes(store.db, scope)).toEqual([])
    expect((await findMonthlyOutcomes(store.db, { asOf: '2024-06-01' })).length).toBe(2)
  })
})

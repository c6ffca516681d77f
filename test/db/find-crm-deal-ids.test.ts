import { afterEach, expect, it } from 'vitest'
import { beginSyncRun } from '../../src/db/begin-sync-run.js'
import { crmSourceOf, findCrmDealIds, findCrmDealLookup } from '../../src/db/find-crm-deal-ids.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'

/** A store holding deals `ids`, imported from a CSV, each then given the source `sources[i]`. */
async function storeWith(open: () => Promise<Store>, ids: readonly string[], sources: readonly string[]): Promise<Store> {
  const store = await open()
  stores.push(store)
  const quoted = (v: string) => `"${v.replaceAll('"', '""')}"`
  const rows = ids.map((id) => `${quoted(id)},2024-01-02,,r1,SaaS,EMEA,Core,Web,Demo,100,Open`)
  await importCsvFile(store, { path: writeTempFile('ids.csv', `${HEADER}\n${rows.join('\n')}\n`), stages: ['Demo'], today: '2024-06-01' })
  for (const [i, id] of ids.entries())
    await store.db
      .updateTable('deals')
      .set({ source: sources[i] as never })
      .where('deal_id', '=', id)
      .execute()
  return store
}

describeEachDialect('findCrmDealIds', (dialect) => {
  it("reads every id a CRM sync stored, by source, whatever its characters, and none of a CSV import's; none before any sync", async () => {
    const ids = ['1001', 'hubspot:1002', 'a "quoted" id', 'back\\slash', 'Zürich-7', '🙂 42', 'csv-1']
    const store = await storeWith(dialect.open, ids, ['hubspot', 'hubspot', 'salesforce', 'salesforce', 'hubspot', 'salesforce', 'csv'])
    expect(await findCrmDealIds(store)).toEqual(new Map())
    await beginSyncRun(store.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now: new Date('2024-06-01T00:00:00Z') })
    const found = await findCrmDealIds(store)
    expect(new Map([...found].map(([source, held]) => [source, [...held].sort()]))).toEqual(
      new Map([
        ['hubspot', ['1001', 'Zürich-7', 'hubspot:1002']],
        ['salesforce', ['a "quoted" id', 'back\\slash', '🙂 42']],
      ]),
    )
    expect(ids.map((id) => crmSourceOf(found, id) ?? null)).toEqual([
      'hubspot',
      'hubspot',
      'salesforce',
      'salesforce',
      'hubspot',
      'salesforce',
      null,
    ])
  })

  it('looks an id up as a CSV import parsed on its own thread does: the CRM that stored it, none for a CSV deal or an unknown id', async () => {
    const ids = ['1001', 'a "quoted" id', 'csv-1']
    const store = await storeWith(dialect.open, ids, ['hubspot', 'salesforce', 'csv'])
    expect(await findCrmDealLookup(store)).toBeUndefined()
    await beginSyncRun(store.db, { source: 'salesforce', mode: 'incremental', startedBy: null, now: new Date('2024-06-01T00:00:00Z') })
    const lookUp = await findCrmDealLookup(store)
    expect([...ids, '1002', 'HUBSPOT:1001'].map((id) => lookUp?.(id) ?? null)).toEqual(['hubspot', 'salesforce', null, null, null])
  })
})

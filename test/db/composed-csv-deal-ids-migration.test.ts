import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history'
const row = (id: string, amount: number) =>
  `${id},2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,${amount},Open,Qualified@2024-01-02;Demo@2024-01-05`
const CAFE = 'Caf\u00e9-1'
const CAFE_NFD = 'Cafe\u0301-1'
const NOEL = 'No\u00ebl-2'
const NOEL_NFD = 'Noe\u0308l-2'

let store: Store | undefined
let schema: string | undefined
afterEach(async () => {
  if (store && schema) await dropTestSchema(store.db, schema)
  await store?.close()
  store = undefined
})

describeEachDialect('upgrading a store whose CSV deal ids were stored with combining accents', (dialect) => {
  it('spells them composed, with their history and snoozes, so a re-import updates them; both spellings stored as two deals stay', async () => {
    const options = durableStoreOptions(dialect, `${tempDir()}/pulse.db`)
    schema = options.schema
    store = await openStore(options)
    const file = `${HEADER}\n${row('D1', 100)}\n${row(CAFE, 200)}\n${row(NOEL, 300)}\n`
    await importCsvFile(store, { path: writeTempFile('d.csv', file), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    // The store as an earlier release left it: Café-1 imported with a combining accent, and
    // Noël-2 imported in both spellings, as two deals.
    const db = store.db
    await db.updateTable('deals').set({ deal_id: CAFE_NFD }).where('deal_id', '=', CAFE).execute()
    await db.updateTable('stage_history').set({ deal_id: CAFE_NFD }).where('deal_id', '=', CAFE).execute()
    await db
      .insertInto('slack_snoozes')
      .values({ deal_id: CAFE_NFD, until_date: '2024-07-01', snoozed_by: 'U1', created_at: '2024-06-01T00:00:00Z', owner_id: 'rep_1' })
      .execute()
    const noel = await db.selectFrom('deals').selectAll().where('deal_id', '=', NOEL).executeTakeFirstOrThrow()
    await db
      .insertInto('deals')
      .values({ ...noel, deal_id: NOEL_NFD, amount: 301 })
      .execute()
    await db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '>=', '0016-composed-csv-deal-ids' as never)
      .execute()
    await store.close()

    store = await openStore(options)
    const deals = await store.db.selectFrom('deals').select(['deal_id', 'amount']).orderBy('amount').execute()
    expect(deals).toEqual([
      { deal_id: 'D1', amount: 100 },
      { deal_id: CAFE, amount: 200 },
      { deal_id: NOEL, amount: 300 },
      { deal_id: NOEL_NFD, amount: 301 },
    ])
    const history = await store.db.selectFrom('stage_history').select(['deal_id', 'stage']).where('deal_id', '=', CAFE).execute()
    expect(history.map((h) => h.stage).sort()).toEqual(['Demo', 'Qualified'])
    expect(await store.db.selectFrom('slack_snoozes').select('deal_id').execute()).toEqual([{ deal_id: CAFE }])
    // The same export, written with combining accents, updates the deal.
    const again = await importCsvFile(store, {
      path: writeTempFile('e.csv', `${HEADER}\n${row(CAFE_NFD, 250)}\n`),
      stages: DEFAULT_STAGES,
      now: new Date('2024-06-02T00:00:00Z'),
    })
    expect(again).toMatchObject({ inserted: 0, updated: 1 })
  })
})

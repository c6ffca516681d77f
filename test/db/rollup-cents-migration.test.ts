import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { findDataVersion } from '../../src/db/find-data-version.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const csv = (amounts: string[]) =>
  `${HEADER}\n${amounts.map((a, i) => `D${i},2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,${a},Lost`).join('\n')}\n`

let store: Store | undefined
let schema: string | undefined
afterEach(async () => {
  if (store && schema) await dropTestSchema(store.db, schema)
  await store?.close()
  store = undefined
})

describeEachDialect('upgrading a store whose report summaries added raw amounts', (dialect) => {
  for (const [amounts, setAside] of [
    [['555415.995', '719786.115', '60000.1'], true],
    [['60000.1', '70000.25', '5000'], false],
  ] as const) {
    it(`${setAside ? 'sets them aside when a deal has an amount past the cent' : 'keeps them when every amount is in whole cents'} (${amounts.join(', ')})`, async () => {
      const options = durableStoreOptions(dialect, `${tempDir()}/pulse.db`)
      schema = options.schema
      store = await openStore(options)
      await importCsvFile(store, { path: writeTempFile('d.csv', csv([...amounts])), stages: DEFAULT_STAGES })
      expect(await store.db.selectFrom('analytics_rollup_state').select('id').execute()).toHaveLength(1)
      await store.db
        .deleteFrom('kysely_migration' as never)
        .where('name' as never, '>=', '0015-rollup-cents' as never)
        .execute()
      const before = await findDataVersion(store.db)
      await store.close()

      store = await openStore(options)
      expect((await findDataVersion(store.db)) !== before).toBe(setAside)
    })
  }
})

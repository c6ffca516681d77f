import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { saveStageOrder, stagesFromNames } from '../../src/db/save-stage-order.js'
import type { Database } from '../../src/db/schema.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// A CRM's new stage order gives its spelling to the stages the store holds in another case: the
// stored spellings are found with one read of the deals and one of the stage history (on a store
// of a million deals, each read costs a fraction of a second).

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history'
const ROWS = [
  'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,demo,100,Open,qualified@2024-01-02;demo@2024-01-05',
  'D2,2024-01-02,2024-03-01,rep_1,SaaS,EMEA,Core,Inbound,demo,300,Lost,qualified@2024-01-02;demo@2024-01-07',
]

let raw: Kysely<Database> | undefined
afterEach(async () => {
  await raw?.destroy()
  raw = undefined
})

it('reads the deals and the stage history once each, and still folds deals, losses and stays', async () => {
  const path = `${tempDir()}/pulse.db`
  const store = await openStore({ path })
  const lower = DEFAULT_STAGES.map((s) => s.toLowerCase())
  await importCsvFile(store, { path: writeTempFile('d.csv', `${HEADER}\n${ROWS.join('\n')}\n`), stages: lower })
  await store.close()
  const sent: string[] = []
  raw = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(path) }),
    log: (event) => void (event.level === 'query' && sent.push(event.query.sql)),
  })
  await saveStageOrder(raw, stagesFromNames(DEFAULT_STAGES), 'hubspot')
  const reads = (table: string) => sent.filter((q) => new RegExp(`^\\s*select\\b.*\\bfrom\\s+"${table}"`, 'is').test(q))
  expect(reads('deals')).toHaveLength(1)
  expect(reads('stage_history')).toHaveLength(1)
  const deals = await raw.selectFrom('deals').select(['stage', 'lost_at_stage']).orderBy('deal_id').execute()
  expect(deals).toEqual([
    { stage: 'Demo', lost_at_stage: null },
    { stage: 'Demo', lost_at_stage: 'Demo' },
  ])
  const stays = await raw.selectFrom('stage_history').select('stage').distinct().orderBy('stage').execute()
  expect(stays.map((s) => s.stage)).toEqual(['Demo', 'Qualified'])
})

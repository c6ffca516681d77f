import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { migrateToLatest, openStore, type Store } from '../../src/db/open-store.js'
import type { Database } from '../../src/db/schema.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// Upgrading a store from before migrations 0019 and 0020, which fold stage spellings over the whole
// store: the upgrade reads the deals and the stage history once each (on a store of a million
// deals, every read of them costs about a second), and writes nothing when there is nothing to fold.

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history'
const ROWS = [
  'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open,Qualified@2024-01-02;Demo@2024-01-05',
  'D2,2024-01-02,2024-03-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,300,Lost,Qualified@2024-01-02;Demo@2024-01-07',
]

let store: Store | undefined
let raw: Kysely<Database> | undefined
afterEach(async () => {
  await store?.close()
  await raw?.destroy()
  store = undefined
  raw = undefined
})

async function upgradeFromBefore0019(misspelt: boolean): Promise<string[]> {
  const path = `${tempDir()}/pulse.db`
  store = await openStore({ path })
  await importCsvFile(store, { path: writeTempFile('d.csv', `${HEADER}\n${ROWS.join('\n')}\n`), stages: DEFAULT_STAGES })
  if (misspelt)
    await store.db.updateTable('stage_history').set({ stage: 'demo' }).where('deal_id', '=', 'D1').where('stage', '=', 'Demo').execute()
  await store.db
    .deleteFrom('kysely_migration' as never)
    .where('name' as never, '>=', '0019-stage-stored-spelling' as never)
    .execute()
  await store.close()
  store = undefined
  const sent: string[] = []
  raw = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(path) }),
    log: (event) => void (event.level === 'query' && sent.push(event.query.sql)),
  })
  await migrateToLatest(raw)
  return sent
}

it('reads the deals and the stage history once each, and writes no deal or stay when nothing needs folding', async () => {
  const sent = await upgradeFromBefore0019(false)
  expect(sent.filter((q) => /\bfrom\s+"?stage_history\b/i.test(q))).toHaveLength(1)
  expect(sent.filter((q) => /\bfrom\s+"?deals\b/i.test(q))).toHaveLength(1)
  expect(sent.filter((q) => /^\s*(update|delete|insert)\b.*\b(deals|stage_history)\b/is.test(q))).toEqual([])
})

it('a stay in another spelling is still folded, by the one upgrade', async () => {
  const sent = await upgradeFromBefore0019(true)
  expect(sent.filter((q) => /^\s*update\s+"?stage_history\b/i.test(q))).toHaveLength(1)
  const stays = await (raw as Kysely<Database>)
    .selectFrom('stage_history')
    .select('stage')
    .where('deal_id', '=', 'D1')
    .orderBy('entered_at')
    .execute()
  expect(stays.map((s) => s.stage)).toEqual(['Qualified', 'Demo'])
})

import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// Deal ids are ordered (ties in the stalled list, alerts, scores, the model's test split) the way
// SQLite orders them, byte by byte, also on a PostgreSQL database whose default collation sorts
// by language rules (en-US: "006aZ" before "006Ba", "D-2" before "D1").

const url = process.env.PULSE_TEST_DATABASE_URL
const IDS = ['006aZ', '006Ba', 'D-2', 'D1', 'd0', 'Zeta', 'alpha']
const AS_OF = '2024-07-20'

let icuUrl: string | undefined
let icuDatabase: string | undefined

beforeAll(async () => {
  if (!url) return
  // A database sorting text by English rules, as many managed servers and the official image do.
  icuDatabase = `pulse_icu_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${icuDatabase} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' TEMPLATE template0`)
    const u = new URL(url)
    u.pathname = `/${icuDatabase}`
    icuUrl = u.toString()
  } catch {
    icuDatabase = undefined // no ICU on this server: the case cannot arise the same way
  } finally {
    await admin.end()
  }
})

afterAll(async () => {
  if (!url || !icuDatabase) return
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${icuDatabase} WITH (FORCE)`)
  } finally {
    await admin.end()
  }
})

describeEachDialect('deal id order', (dialect) => {
  const open = async (): Promise<Store | undefined> => {
    if (dialect.name === 'sqlite') return dialect.open()
    return icuUrl ? openStore({ path: '', url: icuUrl }) : undefined
  }

  it('orders deal ids byte by byte, as SQLite does, whatever the database collation', async () => {
    const store = await open()
    if (!store) return
    try {
      const header = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
      const rows = IDS.map((id) => `${id},2024-01-02,,rep_1,SaaS,EMEA,Pro,Inbound,Demo,60000,Open`)
      await importCsvFile(store, { path: writeTempFile('d.csv', `${header}\n${rows.join('\n')}\n`), stages: ['Demo'], threads: 'inline' })
      const byId = await store.db.selectFrom('deals').select('deal_id').orderBy('deal_id').execute()
      expect(byId.map((r) => r.deal_id)).toEqual([...IDS].sort())
      const stalled = await loadStalledReport(store.db, { asOf: AS_OF, limit: 0 })
      expect(stalled.stalled.map((d) => d.dealId)).toEqual([...IDS].sort())
    } finally {
      await store.close()
    }
  })
})

import SqliteDatabase from 'better-sqlite3'
import { expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/db/migration-list.js'
import { LARGE_STORE_DEALS, openStore } from '../../src/db/open-store.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'

// Opening a large store of an earlier release runs migrations that read every deal: the command
// says on stderr what it is doing before it does it, once; a small store's upgrade says nothing.

/** A store of `deals` open deals whose migrations from 0020 on are still to apply, as an earlier release left it. */
async function storeBefore0020(deals: number): Promise<string> {
  const path = `${tempDir()}/pulse.db`
  const store = await openStore({ path })
  await store.close()
  const db = new SqliteDatabase(path)
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO deals (deal_id, source, owner_id, created_date, created_month, outcome, stage, amount, amount_band, industry, region, product_type, lead_source)
     SELECT printf('D%07d', i), 'csv', 'rep_1', '2024-01-02', '2024-01', 'open', 'Demo', 1000, '<10k', 'SaaS', 'EMEA', 'Core', 'Inbound' FROM n`,
  ).run(deals)
  db.prepare(`DELETE FROM kysely_migration WHERE name >= '0020-stage-spelling-after-sync'`).run()
  db.close()
  return path
}

const status = async (path: string) => {
  const run = spawnPulse(['status', '--db', path])
  expect(await run.exited, run.stderr).toBe(0)
  return run.stderr
}

it('a large store: the upgrade is said on stderr before it runs, with the deals and the migrations, once', async () => {
  const path = await storeBefore0020(LARGE_STORE_DEALS)
  const first = await status(path)
  expect(first).toContain(
    `Upgrading the database to this version of Sales Pulse (migrations 0020-stage-spelling-after-sync to ${Object.keys(MIGRATIONS).at(-1)}) over its ${LARGE_STORE_DEALS.toLocaleString('en-US')} deals`,
  )
  expect(first).toContain('other pulse commands on it wait until it is done')
  expect(await status(path)).not.toContain('Upgrading the database')
}, 60_000)

it('a small store upgrades without a word', async () => {
  const path = await storeBefore0020(10)
  expect(await status(path)).not.toContain('Upgrading the database')
}, 60_000)

import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { expect, it } from 'vitest'
import { userFacingError } from '../../src/slack/app/user-facing-error.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const REBUILD =
  'Restore it from a backup taken before the damage (delete the -wal and -shm files beside it first), or move it aside and rebuild the store'

/** A store of `deals` sample deals at `dir/pulse.db`, and the CSV it was imported from. */
async function storeWithDeals(dir: string, deals: number): Promise<{ db: string; csv: string }> {
  const db = join(dir, 'pulse.db')
  const csv = join(dir, 'deals.csv')
  expect((await runCli('sample', '--out', csv, '--deals', String(deals), '--seed', '7')).code).toBe(0)
  expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
  return { db, csv }
}

it('an import into a store whose pages a crash or a bad disk overwrote says the file is damaged and how to rebuild it', async () => {
  const { db, csv } = await storeWithDeals(tempDir(), 2000)
  // The second half of the file (the deals' table and index pages) overwritten, the header and schema intact.
  const bytes = readFileSync(db)
  bytes.fill(0xff, Math.floor(bytes.length / 2))
  writeFileSync(db, bytes)
  const run = await runCli('ingest', '--csv', csv, '--db', db)
  expect(run.code).toBe(1)
  expect(run.stderr).toContain('is damaged (SQLite: database disk image is malformed)')
  expect(run.stderr).toContain(REBUILD)
  expect(run.stderr).not.toContain('Something went wrong on our side')
  // SQLite's words once: the sentence quotes them already.
  expect(run.stderr.split('database disk image is malformed').length).toBe(2)
})

it('a store file cut short (a copy that did not finish) is named as damaged, not a wrong path', async () => {
  const { db } = await storeWithDeals(tempDir(), 300)
  truncateSync(db, Math.floor(statSync(db).size / 3))
  const run = await runCli('report', 'losses', '--db', db)
  expect(run.code).toBe(1)
  expect(run.stderr).toContain(`The database file ${db} is damaged (SQLite: database disk image is malformed)`)
  expect(run.stderr).toContain(REBUILD)
  expect(run.stderr).not.toContain('Check the path')
})

it('a file that is not SQLite at all (a CSV given as --db) still says to check the path', async () => {
  const dir = tempDir()
  const db = join(dir, 'deals.csv')
  writeFileSync(db, 'deal_id,created_date\nD1,2024-01-02\n')
  const run = await runCli('report', 'losses', '--db', db)
  expect(run.code).toBe(1)
  expect(run.stderr).toContain('file is not a database. Check the path (--db or PULSE_DB)')
})

it('a Slack user is told the database is damaged and whom to tell, not that something went wrong', () => {
  const error = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' })
  expect(userFacingError(error)).toContain("Sales Pulse's database file is damaged")
  expect(userFacingError(error)).toContain('tell your Sales Pulse admin')
})

it("a SQLite database of another program given as --db is refused and left as it was, not given Sales Pulse's tables", async () => {
  const db = join(tempDir(), 'notes.sqlite')
  const other = new SqliteDatabase(db)
  other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')")
  other.close()
  const before = readFileSync(db)
  const csv = join(tempDir(), 'deals.csv')
  expect((await runCli('sample', '--out', csv, '--deals', '50')).code).toBe(0)
  for (const args of [['report', 'losses'], ['ingest', '--csv', csv], ['status']]) {
    const run = await runCli(...args, '--db', db)
    expect(run.code, args.join(' ')).toBe(1)
    expect(run.stderr, args.join(' ')).toContain(
      `Cannot open the database at ${db}: it is a SQLite database of another program (it has tables such as notes, and none of Sales Pulse's)`,
    )
    expect(run.stderr, args.join(' ')).toContain('Point --db or PULSE_DB at your Sales Pulse database, or at a new file to start one.')
  }
  expect(readFileSync(db).equals(before)).toBe(true)
  expect(existsSync(`${db}-wal`)).toBe(false)
})

it('a Sales Pulse store, new or with deals, still opens', async () => {
  const { db } = await storeWithDeals(tempDir(), 50)
  expect((await runCli('report', 'losses', '--db', db)).code).toBe(0)
  const fresh = join(tempDir(), 'fresh.db')
  expect((await runCli('status', '--db', fresh)).stderr).not.toContain('another program')
})

import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { waitFor } from '../fakes/slack-fake.js'
import { type PulseProcess, spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2025-06-30'
let run: PulseProcess | undefined
let writer: SqliteDatabase.Database | undefined
afterEach(async () => {
  if (writer?.open) writer.close()
  if (run && run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
  if (run) await run.exited
  run = undefined
})

// A first large import into an empty SQLite file holds it to itself (rollback journal, exclusive
// lock) until it commits. A report started meanwhile waits for it and then answers, instead of
// stopping after the 5 s busy timeout with "the database is busy".
it('a report started while an import holds the SQLite file to itself waits for it, says so, then answers', async () => {
  const dir = tempDir('pulse-cli-busy-')
  const db = join(dir, 'pulse.db')
  writeSampleFiles({ out: join(dir, 'deals.csv'), deals: 600, seed: 3, asOf: AS_OF })
  const store = await openStore({ path: db })
  await importCsvFile(store, { path: join(dir, 'deals.csv'), stages: DEFAULT_STAGES })
  await store.close()

  writer = new SqliteDatabase(db)
  writer.pragma('journal_mode = DELETE')
  writer.exec('BEGIN EXCLUSIVE')
  run = spawnPulse(['report', 'winrate', '--db', db, '--as-of', AS_OF, '--json'], { PULSE_DATABASE_URL: '' })
  const current = run
  await waitFor(
    () => current.stderr.includes('The database is busy') || current.child.exitCode !== null,
    60_000,
    `the wait (${current.stderr})`,
  )
  expect(current.child.exitCode, current.stderr).toBeNull()
  writer.exec('COMMIT')
  writer.close()

  expect(await current.exited, current.stderr).toBe(0)
  expect(current.stderr).toContain('Waiting for it')
  const report = JSON.parse(current.stdout) as { asOf: string; months: unknown[] }
  expect(report.asOf).toBe(AS_OF)
  expect(report.months.length).toBeGreaterThan(0)
}, 90_000)

// Another process writing (a second `pulse ingest`, a sync) holds the write lock for longer than
// SQLite's 5 s busy timeout: the import waits its turn, says so, and then imports, instead of
// stopping with "the database is busy".
it('an import started while another process writes to the store waits for it, says so, then imports', async () => {
  const dir = tempDir('pulse-cli-busy-ingest-')
  const db = join(dir, 'pulse.db')
  const csv = join(dir, 'deals.csv')
  writeSampleFiles({ out: csv, deals: 300, seed: 5, asOf: AS_OF })
  const store = await openStore({ path: db })
  await store.close()

  writer = new SqliteDatabase(db)
  writer.exec('BEGIN IMMEDIATE')
  writer.exec(`INSERT INTO meta (key, value) VALUES ('other', 'writer')`)
  run = spawnPulse(['ingest', '--csv', csv, '--db', db, '--json'], { PULSE_DATABASE_URL: '', PULSE_AS_OF: AS_OF })
  const current = run
  await waitFor(
    () => current.stderr.includes('The database is busy') || current.child.exitCode !== null,
    60_000,
    `the wait (${current.stderr})`,
  )
  // Past SQLite's own busy timeout, so the import is not merely waiting that out.
  await new Promise((r) => setTimeout(r, 6000))
  expect(current.child.exitCode, current.stderr).toBeNull()
  writer.exec('COMMIT')
  writer.close()

  expect(await current.exited, current.stderr).toBe(0)
  expect(current.stderr).toContain('Waiting for it')
  const summary = JSON.parse(current.stdout) as { inserted: number; rejected: number }
  expect(summary.inserted).toBe(300)
  const check = new SqliteDatabase(db, { readonly: true })
  try {
    expect(check.prepare('SELECT count(*) FROM deals').pluck().get()).toBe(300)
    expect(check.prepare(`SELECT value FROM meta WHERE key = 'other'`).pluck().get()).toBe('writer')
  } finally {
    check.close()
  }
}, 90_000)

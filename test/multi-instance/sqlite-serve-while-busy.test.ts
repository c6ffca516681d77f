import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import type { PulseProcess } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'
import { sampleCompany } from '../slack/slack-test-app.js'
import { spawnSqliteServe } from './spawn-sqlite-serve.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined)
})

const BUSY = 'the database is busy'

async function busyCompany() {
  const dbPath = join(tempDir('pulse-sqlite-busy-'), 'pulse.db')
  const company = await sampleCompany(200, dbPath)
  await company.store.close()
  const fake = await new SlackFake({ users: company.users }).start()
  cleanup.push(() => fake.stop())
  return { dbPath, fake, rosterPath: company.rosterPath, cleanup }
}

// Once the lock is given back, serve starts; SIGTERM then stops it cleanly.
async function startsAfterRelease(run: PulseProcess): Promise<void> {
  await waitFor(() => run.stderr.includes('listening on port') || run.child.exitCode !== null, 60_000, `serve to start (${run.stderr})`)
  expect(run.child.exitCode, run.stderr).toBeNull()
  run.child.kill('SIGTERM')
  expect(await run.exited, run.stderr).toBe(0)
}

// `pulse serve` on SQLite records itself as the store's one instance (a write) when it starts.
// A large import holds SQLite's write lock for longer than the busy timeout (5 s): serve waits for
// it instead of stopping with "the database is busy".
it('pulse serve on SQLite started while an import holds the write lock waits for it, then starts', async () => {
  const setup = await busyCompany()
  // Another process's import: a write transaction held until serve says it waits.
  const writer = await openStore({ path: setup.dbPath })
  cleanup.push(() => writer.close())
  writer.sqlite?.exec('BEGIN IMMEDIATE')

  const run = await spawnSqliteServe(setup, {}, 60_000, BUSY)
  expect(run.child.exitCode, run.stderr).toBeNull()
  expect(run.stderr).not.toContain('listening on port')
  writer.sqlite?.exec('COMMIT')
  await startsAfterRelease(run)
}, 120_000)

// A first large import into an empty store writes through a rollback journal and, once its pages
// spill to the file, holds it to itself: even opening it (setting WAL mode) has to wait.
it('pulse serve on SQLite started while a first large import holds the file to itself waits for it, then starts', async () => {
  const setup = await busyCompany()
  // What that import holds: an exclusive lock in rollback-journal mode.
  const writer = new SqliteDatabase(setup.dbPath)
  cleanup.push(async () => {
    if (writer.open) writer.close()
  })
  writer.pragma('journal_mode = DELETE')
  writer.exec('BEGIN EXCLUSIVE')

  const run = await spawnSqliteServe(setup, {}, 60_000, BUSY)
  expect(run.child.exitCode, run.stderr).toBeNull()
  writer.exec('COMMIT')
  writer.close()
  await startsAfterRelease(run)
}, 120_000)

// Ctrl-C (or a service manager's SIGTERM) while it waits ends it within one busy timeout, not
// after the two minutes it would wait, and without a trace of a start.
it('pulse serve asked to stop while it waits for a busy store stops at once, having started nothing', async () => {
  const setup = await busyCompany()
  const writer = await openStore({ path: setup.dbPath })
  cleanup.push(() => writer.close())
  writer.sqlite?.exec('BEGIN IMMEDIATE')

  const run = await spawnSqliteServe(setup, {}, 60_000, BUSY)
  const askedAt = Date.now()
  run.child.kill('SIGTERM')
  expect(await run.exited, run.stderr).toBe(0)
  expect(Date.now() - askedAt).toBeLessThan(20_000)
  expect(run.stderr).toContain('Stopped before it had started.')
  expect(run.stderr).not.toContain('listening on port')
  writer.sqlite?.exec('COMMIT')
  const locks = writer.sqlite?.prepare('SELECT job FROM job_locks').all()
  expect(locks).toEqual([])
}, 120_000)

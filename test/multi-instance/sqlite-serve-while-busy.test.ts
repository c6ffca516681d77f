import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { sampleCompany } from '../slack/slack-test-app.js'
import { spawnSqliteServe } from './spawn-sqlite-serve.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined)
})

// `pulse serve` on SQLite records itself as the store's one instance (a write) when it starts.
// A large import holds SQLite's write lock for longer than the busy timeout (5 s): serve waits for
// it instead of stopping with "the database is busy".
it('pulse serve on SQLite started while an import holds the write lock waits for it, then starts', async () => {
  const dbPath = join(tempDir('pulse-sqlite-busy-'), 'pulse.db')
  const company = await sampleCompany(200, dbPath)
  await company.store.close()
  const fake = await new SlackFake({ users: company.users }).start()
  cleanup.push(() => fake.stop())

  // Another process's import: a write transaction held for 7 s.
  const writer = await openStore({ path: dbPath })
  cleanup.push(() => writer.close())
  writer.sqlite?.exec('BEGIN IMMEDIATE')
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      writer.sqlite?.exec('COMMIT')
      resolve()
    }, 7000),
  )

  const run = await spawnSqliteServe({ dbPath, fake, rosterPath: company.rosterPath, cleanup }, {}, 30_000)
  expect(run.child.exitCode, run.stderr).toBeNull()
  await released
  run.child.kill('SIGTERM')
  expect(await run.exited, run.stderr).toBe(0)
}, 30_000)

// A first large import into an empty store writes through a rollback journal and, once its pages
// spill to the file, holds it to itself: even opening it (setting WAL mode) has to wait.
it('pulse serve on SQLite started while a first large import holds the file to itself waits for it, then starts', async () => {
  const dbPath = join(tempDir('pulse-sqlite-busy-'), 'pulse.db')
  const company = await sampleCompany(200, dbPath)
  await company.store.close()
  const fake = await new SlackFake({ users: company.users }).start()
  cleanup.push(() => fake.stop())

  // What that import holds: an exclusive lock in rollback-journal mode, here for 7 s.
  const writer = new SqliteDatabase(dbPath)
  cleanup.push(async () => {
    if (writer.open) writer.close()
  })
  writer.pragma('journal_mode = DELETE')
  writer.exec('BEGIN EXCLUSIVE')
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      writer.exec('COMMIT')
      writer.close()
      resolve()
    }, 7000),
  )

  const run = await spawnSqliteServe({ dbPath, fake, rosterPath: company.rosterPath, cleanup }, {}, 30_000)
  expect(run.child.exitCode, run.stderr).toBeNull()
  expect(run.stderr).toContain('the database is busy')
  await released
  run.child.kill('SIGTERM')
  expect(await run.exited, run.stderr).toBe(0)
}, 30_000)

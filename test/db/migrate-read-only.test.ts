import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { expect, it } from 'vitest'
import { migrateToLatest, openStore } from '../../src/db/open-store.js'
import type { Database } from '../../src/db/schema.js'
import { AppError, userMessage } from '../../src/errors.js'
import { tempDir } from '../helpers/test-store.js'

/** Runs the migrations on `path` through a connection that may only read it, as a user without write permission has. */
async function migrateReadOnly(path: string): Promise<unknown> {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path, { readonly: true }) }) })
  try {
    return await migrateToLatest(db).catch((e: unknown) => e)
  } finally {
    await db.destroy()
  }
}

it('a store of the release before the last migration, read-only for this user, says to run a command once as its owner, not "Is this a Sales Pulse database?"', async () => {
  const path = join(tempDir(), 'pulse.db')
  const store = await openStore({ path })
  // As the release before 0018 left it: no chart references, and 0018 (nor any later one) not applied.
  await store.db.schema.alterTable('slack_home_views').dropColumn('chart_hashes').execute()
  await store.db.schema.alterTable('slack_chart_images').dropColumn('unreferenced_since').execute()
  await store.db
    .deleteFrom('kysely_migration' as never)
    .where('name' as never, '>=', '0018-chart-image-references' as never)
    .execute()
  await store.close()
  const before = readFileSync(path)
  const error = await migrateReadOnly(path)
  expect(error).toBeInstanceOf(AppError)
  expect(userMessage(error)).toContain(
    'set up by an earlier version of Sales Pulse and must be brought up to date (migration 0018-chart-image-references) before this version can read it, but it is read-only for this user, so nothing was changed.',
  )
  expect(userMessage(error)).toContain('as a user who may write the file and its folder (its owner)')
  expect(userMessage(error)).not.toContain('Is this a Sales Pulse database?')
  expect(readFileSync(path).equals(before)).toBe(true)
})

it('an empty read-only file says Sales Pulse cannot set it up, not that an earlier version made it', async () => {
  const path = join(tempDir(), 'empty.db')
  writeFileSync(path, '')
  const error = await migrateReadOnly(path)
  expect(error).toBeInstanceOf(AppError)
  expect(userMessage(error)).toContain('read-only for this user, so Sales Pulse cannot set it up')
  expect(userMessage(error)).not.toContain('earlier version')
})

it('an up-to-date store needs no write, so a read-only connection opens it', async () => {
  const path = join(tempDir(), 'current.db')
  await (await openStore({ path })).close()
  expect(await migrateReadOnly(path)).toBeUndefined()
})

import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { type Kysely, sql } from 'kysely'
import { expect, it } from 'vitest'
import * as leanDealIndexes from '../../migrations/0006-lean-deal-indexes.js'
import * as dealIdOrder from '../../migrations/0007-deal-id-order.js'
import * as snoozeOwner from '../../migrations/0008-snooze-owner.js'
import { MIGRATIONS } from '../../src/db/migration-list.js'
import { openStore } from '../../src/db/open-store.js'
import { AppError, DATABASE_BUSY, userMessage } from '../../src/errors.js'
import { tempDir } from '../helpers/test-store.js'

/** A SQLite store as a release before migration 0006 left it. */
async function olderStore(): Promise<string> {
  const path = join(tempDir(), 'pulse.db')
  const store = await openStore({ path })
  const db = store.db as unknown as Kysely<unknown>
  for (const m of [snoozeOwner, dealIdOrder, leanDealIndexes]) await m.down(db)
  await sql`DELETE FROM kysely_migration WHERE name >= '0006'`.execute(db)
  await store.close()
  return path
}

it('several commands opening a store of an older release at once all start, and each new migration runs once', async () => {
  const path = await olderStore()
  const opened = await Promise.allSettled([openStore({ path }), openStore({ path }), openStore({ path })])
  const errors = opened.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : []))
  for (const o of opened) if (o.status === 'fulfilled') await o.value.close()
  expect(errors).toEqual([])

  const store = await openStore({ path })
  try {
    const names = await sql<{ name: string }>`SELECT name FROM kysely_migration WHERE name >= '0006' ORDER BY name`.execute(store.db)
    expect(names.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS).filter((name) => name >= '0006'))
    const columns = await sql<{ name: string }>`SELECT name FROM pragma_table_info('slack_snoozes')`.execute(store.db)
    expect(columns.rows.filter((c) => c.name === 'owner_id')).toHaveLength(1)
  } finally {
    await store.close()
  }
})

it('a store of an older release that another process is writing to says it is busy, and is left as it was', async () => {
  const path = await olderStore()
  const writer = new SqliteDatabase(path)
  writer.exec('BEGIN IMMEDIATE')
  try {
    const error = await openStore({ path }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect(userMessage(error)).toBe(DATABASE_BUSY)
  } finally {
    writer.exec('ROLLBACK')
    writer.close()
  }
  const store = await openStore({ path: path, readonly: true })
  try {
    const names = await sql<{ name: string }>`SELECT name FROM kysely_migration WHERE name >= '0006'`.execute(store.db)
    expect(names.rows).toEqual([])
  } finally {
    await store.close()
  }
}, 15_000)

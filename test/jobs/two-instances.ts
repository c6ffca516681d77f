import { join } from 'node:path'
import { sql } from 'kysely'
import { openStore, type Store } from '../../src/db/open-store.js'
import type { TestDialect } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'

/**
 * Two stores on one database, as two app instances have: a SQLite file, or one Postgres schema
 * through two pools. Both are pushed onto `stores`; close them in reverse (the first drops the schema).
 */
export async function openTwoInstances(dialect: TestDialect, stores: Store[]): Promise<[Store, Store]> {
  if (dialect.name === 'sqlite') {
    const path = join(tempDir('job-lock-'), 'shared.db')
    const a = await openStore({ path })
    const b = await openStore({ path })
    stores.push(a, b)
    return [a, b]
  }
  const a = await dialect.open()
  stores.push(a)
  const schema = (await sql<{ name: string }>`SELECT current_schema() AS name`.execute(a.db)).rows[0]?.name
  const b = await openStore({ path: '', url: process.env.PULSE_TEST_DATABASE_URL, schema })
  stores.push(b)
  return [a, b]
}

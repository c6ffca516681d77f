import { randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { describe } from 'vitest'
import type { DialectName } from '../../src/db/dialect.js'
import { openStore, type Store, type StoreOptions } from '../../src/db/open-store.js'
import type { Database } from '../../src/db/schema.js'

/** A database the store tests run against, and how to open a fresh, empty store on it. */
export interface TestDialect {
  name: DialectName
  open(): Promise<Store>
}

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

/**
 * The databases store-level tests run on: SQLite always; PostgreSQL too when
 * `PULSE_TEST_DATABASE_URL` is set (`.ci/run` starts a server and sets it). Each `open()` gives a
 * fresh store: in-memory SQLite, or a new Postgres schema dropped again on close.
 */
export const TEST_DIALECTS: readonly TestDialect[] = [
  { name: 'sqlite', open: () => openStore({ path: ':memory:' }) },
  ...(pgUrl ? [{ name: 'postgres' as const, open: () => openPostgresTestStore(pgUrl) }] : []),
]

/** Runs the same `describe` block once per database in {@link TEST_DIALECTS} (a dialect loop). */
export function describeEachDialect(title: string, body: (dialect: TestDialect) => void): void {
  for (const dialect of TEST_DIALECTS) describe(`${title} [${dialect.name}]`, () => body(dialect))
}

/**
 * Options of a store that a second connection (another process or thread) can open too: the
 * SQLite file `sqlitePath`, or a new PostgreSQL schema (the caller drops it).
 */
export function durableStoreOptions(dialect: TestDialect, sqlitePath: string): StoreOptions {
  if (dialect.name === 'postgres' && pgUrl) return { path: '', url: pgUrl, schema: `t_${randomBytes(6).toString('hex')}` }
  return { path: sqlitePath }
}

async function openPostgresTestStore(url: string): Promise<Store> {
  const schema = `t_${randomBytes(6).toString('hex')}`
  const store = await openStore({ path: '', url, schema })
  return {
    ...store,
    async close() {
      await dropTestSchema(store.db, schema)
      await store.close()
    },
  }
}

/**
 * Drops a test schema with everything in it. Autovacuum may be analysing a table of it (after a
 * large import) and take its locks in another order than the cascade: PostgreSQL then ends the
 * drop as a deadlock (40P01), and a second try, after autovacuum moved on, succeeds.
 */
export async function dropTestSchema(db: Kysely<Database>, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db)
      return
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt === 5) throw error
      await new Promise((r) => setTimeout(r, 200 * attempt))
    }
  }
}

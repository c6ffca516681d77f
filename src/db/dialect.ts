import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter } from 'kysely'

/** The SQL dialects the store runs on. */
export type DialectName = 'sqlite' | 'postgres'

/** Which dialect `db` speaks, read from its adapter. */
export function dialectOf<DB>(db: Kysely<DB>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/**
 * Column builder for an auto-assigned integer primary key: SQLite's rowid alias, or an
 * identity column on Postgres.
 */
export function idColumn(db: Kysely<unknown>): (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return dialectOf(db) === 'postgres' ? (c) => c.primaryKey().generatedByDefaultAsIdentity() : (c) => c.primaryKey()
}

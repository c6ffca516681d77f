import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely'
import type { Database } from './schema.js'

/** The SQL dialects the store runs on. */
export type DialectName = 'sqlite' | 'postgres'

/**
 * The SQL function every SQLite store (`openStore`) has for folding text as {@link foldText} does
 * (`'ÄRZTE'` -> `'ärzte'`): SQLite's built-in `lower()` leaves letters outside A-Z as they are.
 * PostgreSQL's own `lower()` folds them already (in a UTF-8 database with a UTF-8 locale).
 */
export const UNICODE_LOWER = 'pulse_lower'

/**
 * Text folded for a case-insensitive search: lower case as JavaScript has it, and the sharp s
 * as the two letters it is written with in capitals (`'Straße'` and `'STRASSE'` -> `'strasse'`).
 */
export function foldText(text: string): string {
  return text.toLowerCase().replace(/ß/g, 'ss')
}

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

/**
 * Whether the table `name` exists where unqualified names resolve: SQLite's main database, or
 * PostgreSQL's `search_path` (the store's schema), not another schema of the same database.
 */
export async function tableExists<DB>(db: Kysely<DB>, name: string): Promise<boolean> {
  const found =
    dialectOf(db) === 'postgres'
      ? await sql<{ found: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS found`.execute(db)
      : await sql<{ found: number }>`SELECT count(*) > 0 AS found FROM sqlite_master WHERE type = 'table' AND name = ${name}`.execute(db)
  return Boolean(found.rows[0]?.found)
}

/**
 * Whether table `name` (as {@link tableExists} finds it) has a column `column`.
 *
 * @example await columnExists(db, 'slack_snoozes', 'owner_email') // true once migration 0017 ran
 */
export async function columnExists<DB>(db: Kysely<DB>, name: string, column: string): Promise<boolean> {
  const found =
    dialectOf(db) === 'postgres'
      ? await sql<{
          found: boolean
        }>`SELECT count(*) > 0 AS found FROM pg_attribute WHERE attrelid = to_regclass(${name}) AND attname = ${column} AND NOT attisdropped`.execute(
          db,
        )
      : await sql<{ found: number }>`SELECT count(*) > 0 AS found FROM pragma_table_info(${name}) WHERE name = ${column}`.execute(db)
  return Boolean(found.rows[0]?.found)
}

/**
 * Called first inside a transaction, makes other transactions that call this for `table` wait
 * until this one ends (readers do not wait). For a replace-all write (delete every row, insert the
 * new set): on PostgreSQL two at once under READ COMMITTED would each delete only the rows they saw
 * and then insert the same keys twice. On SQLite it takes the database's write lock (waiting out the
 * busy timeout for another process's write, a CSV import say): a transaction that read first and
 * wrote second would fail at once with SQLITE_BUSY instead of waiting its turn.
 */
export async function lockTableForWriters(tx: Kysely<Database>, table: keyof Database): Promise<void> {
  if (dialectOf(tx) === 'postgres') await sql`LOCK TABLE ${sql.table(table)} IN SHARE ROW EXCLUSIVE MODE`.execute(tx)
  // A write that changes nothing: SQLite's busy handler runs only while the transaction holds no read snapshot.
  else await sql`DELETE FROM ${sql.table(table)} WHERE 0`.execute(tx)
}

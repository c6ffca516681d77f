import { type Kysely, sql } from 'kysely'
import { dialectOf, tableExists } from '../src/db/dialect.js'

/** Every table with a `deal_id` column (all `text`). */
const TABLES = ['deals', 'stage_history', 'deal_scores', 'slack_stall_episodes', 'slack_outbox', 'slack_snoozes'] as const

/**
 * Deal ids compare byte by byte on PostgreSQL too (collation "C"), as on SQLite: lists that break
 * ties by deal id (stalled deals, alerts, scores, the model's test split) come out in the same
 * order on both databases, also where the database's default collation sorts by language rules
 * (en_US: "006aZ" before "006Ba"). All `deal_id` columns change together, so joins between them
 * keep one collation and their indexes stay usable. Rebuilds the indexes on those columns once.
 * Nothing to do on SQLite, whose default collation is already bytewise.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return
  // A table not there yet (migrations 0003-0005 of an early release created nothing) gets this from migration 0009.
  for (const table of TABLES)
    if (await tableExists(db, table)) await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN deal_id TYPE text COLLATE "C"`.execute(db)
}

/** Reverts {@link up}: on PostgreSQL, `deal_id` takes the database's default collation again; nothing to do on SQLite. */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return
  for (const table of TABLES) await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN deal_id TYPE text COLLATE "default"`.execute(db)
}

import { type Kysely, sql } from 'kysely'
import { dialectOf, tableExists } from '../src/db/dialect.js'

/** Tables beside `deals` that name a deal by `deal_id`, and whether a deal's id is part of a key there. */
const TABLES = [
  { table: 'stage_history', keyed: true },
  { table: 'deal_scores', keyed: true },
  { table: 'slack_snoozes', keyed: true },
  { table: 'slack_stall_episodes', keyed: false },
  { table: 'slack_outbox', keyed: false },
] as const

/**
 * CSV deal ids stored in another Unicode form than the composed one (NFC: `Café-1` written with a
 * combining accent, as macOS and some exports write it) take the composed form, which an import now
 * stores, so that re-importing the same file updates these deals instead of adding them again.
 * Their history, scores and Slack rows follow. An id whose composed spelling is stored as a deal
 * of its own (both spellings were imported, as two deals) is left as it is. Only ids with a
 * character past ASCII can differ, so only those are read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const bytes = dialectOf(db) === 'postgres' ? sql`octet_length(deal_id)` : sql`length(CAST(deal_id AS BLOB))`
  const rows = await sql<{ deal_id: string }>`SELECT deal_id FROM deals WHERE source = 'csv' AND ${bytes} <> length(deal_id)`.execute(db)
  const present: Array<(typeof TABLES)[number]> = []
  for (const t of TABLES) if (await tableExists(db, t.table)) present.push(t)
  for (const { deal_id: id } of rows.rows) {
    const composed = id.normalize('NFC')
    if (composed === id) continue
    const taken = await sql<{ n: number }>`SELECT count(*) AS n FROM deals WHERE deal_id = ${composed}`.execute(db)
    if (Number(taken.rows[0]?.n ?? 0) > 0) continue
    for (const { table, keyed } of present) {
      // Rows left under the composed id by no deal now would collide with the ones renamed.
      if (keyed) await sql`DELETE FROM ${sql.table(table)} WHERE deal_id = ${composed}`.execute(db)
      await sql`UPDATE ${sql.table(table)} SET deal_id = ${composed} WHERE deal_id = ${id}`.execute(db)
    }
    await sql`UPDATE deals SET deal_id = ${composed} WHERE deal_id = ${id}`.execute(db)
  }
}

/** Nothing to undo: the spelling an id was imported in is not kept, and the composed one is the same id. */
export async function down(_db: Kysely<unknown>): Promise<void> {}

import { type Kysely, sql } from 'kysely'

/**
 * CRM deals stored with no amount (an earlier release stored a blank, zero, negative or unreadable
 * HubSpot or Salesforce amount as 0, in the band `<10k`) move to the amount band `Unknown`, as a
 * sync now stores them, so that drivers do not read unpriced deals as small ones. When any moved
 * and report summaries were built, a new data version sets those summaries aside until the next
 * import or sync rebuilds them (as migration 0010 does).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const moved = await sql`UPDATE deals SET amount_band = 'Unknown'
    WHERE source IN ('hubspot', 'salesforce') AND amount = 0 AND amount_band <> 'Unknown'`.execute(db)
  if (Number(moved.numAffectedRows ?? 0) === 0) return
  const built = await sql<{ n: number }>`SELECT count(*) AS n FROM analytics_rollup_state`.execute(db)
  if (Number(built.rows[0]?.n ?? 0) === 0) return
  const version = `upgrade:${new Date().toISOString()}`
  await sql`INSERT INTO meta (key, value) VALUES ('data_version', ${version}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(
    db,
  )
}

/** Puts the moved deals back in the band `<10k` (their stored amount, 0, is in it). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE deals SET amount_band = '<10k' WHERE source IN ('hubspot', 'salesforce') AND amount = 0 AND amount_band = 'Unknown'`.execute(
    db,
  )
}

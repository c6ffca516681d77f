import { type Kysely, sql } from 'kysely'

/**
 * Report summaries (the analytics rollup) and Home figures that an earlier release computed are
 * set aside: a new data version makes them out of date, so reports read the deals until the next
 * import or sync rebuilds the rollup (a sync does so even when nothing changed in the CRM). The
 * release before migration 0006 stored an empty rollup for an import into an empty store, which
 * later releases kept serving as every report's figures (no won or lost deals at all).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const built = await sql<{ n: number }>`SELECT count(*) AS n FROM analytics_rollup_state`.execute(db)
  if (Number(built.rows[0]?.n ?? 0) === 0) return
  const version = `upgrade:${new Date().toISOString()}`
  await sql`INSERT INTO meta (key, value) VALUES ('data_version', ${version}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(
    db,
  )
}

/** Nothing to undo: the next import or sync sets a new data version anyway. */
export async function down(_db: Kysely<unknown>): Promise<void> {}

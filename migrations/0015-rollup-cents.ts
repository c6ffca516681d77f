import { type Kysely, sql } from 'kysely'

/**
 * Report summaries (the analytics rollup) built by an earlier release added raw amounts; sums of
 * amounts now add each amount in whole cents (`amountInCents`, `sumAmountsSql`). The two differ
 * only for amounts with more than two decimals: when a store holds one and has summaries, a new
 * data version sets them aside until the next import or sync rebuilds them (as migration 0010
 * does), so a report never mixes the two rules.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const built = await sql<{ n: number }>`SELECT count(*) AS n FROM analytics_rollup_state`.execute(db)
  if (Number(built.rows[0]?.n ?? 0) === 0) return
  // An amount with at most two decimals is a whole number of ten-thousandths of a cent.
  const finer = await sql`SELECT 1 FROM deals
    WHERE floor((floor(amount * 1000000 + 0.5) + 5000) / 10000) * 10000 <> floor(amount * 1000000 + 0.5) LIMIT 1`.execute(db)
  if (finer.rows.length === 0) return
  const version = `upgrade:${new Date().toISOString()}`
  await sql`INSERT INTO meta (key, value) VALUES ('data_version', ${version}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(
    db,
  )
}

/** Nothing to undo: the next import or sync sets a new data version anyway. */
export async function down(_db: Kysely<unknown>): Promise<void> {}

import { type Kysely, sql } from 'kysely'

/**
 * Stages stored in another case than the stored stage order spells them (`demo` beside the order's
 * `Demo`) take the order's spelling, in `deals` (`stage`, `lost_at_stage`) and `stage_history`.
 * An earlier release stored a deal's stage as the CSV spelt it when `PULSE_STAGES` gave it in
 * another case, so a store imported by it could hold one stage in two spellings; reports match
 * stage names exactly, and the deals in the other spelling were left out of the funnel, the losses
 * by stage and the time in stage until they were imported again. Names are compared as an import
 * compares them (JavaScript's lower case, so `Übergabe` folds on SQLite too). A stay that would
 * repeat one already stored in the order's spelling (same deal, stage and entry) is dropped. When
 * anything changed and report summaries (the analytics rollup) exist, a new data version sets them
 * aside until the next import or sync rebuilds them, as migration 0010 does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const order = await sql<{ name: string }>`SELECT name FROM stages ORDER BY position`.execute(db)
  const byLowerCase = new Map<string, string>()
  for (const { name } of order.rows) if (!byLowerCase.has(name.toLowerCase())) byLowerCase.set(name.toLowerCase(), name)
  if (byLowerCase.size === 0) return
  const spelling = (stage: string) => {
    const stored = byLowerCase.get(stage.toLowerCase())
    return stored === undefined || stored === stage ? null : stored
  }
  const stored = await sql<{ stage: string }>`SELECT DISTINCT stage FROM deals
    UNION SELECT DISTINCT lost_at_stage FROM deals WHERE lost_at_stage IS NOT NULL
    UNION SELECT DISTINCT stage FROM stage_history`.execute(db)
  let changed = false
  for (const { stage } of stored.rows) {
    const to = spelling(stage)
    if (to === null) continue
    changed = true
    await sql`UPDATE deals SET stage = ${to} WHERE stage = ${stage}`.execute(db)
    await sql`UPDATE deals SET lost_at_stage = ${to} WHERE lost_at_stage = ${stage}`.execute(db)
    // A stay already stored in the order's spelling keeps its row; the repeat is dropped.
    await sql`DELETE FROM stage_history WHERE stage = ${stage} AND EXISTS (
      SELECT 1 FROM stage_history AS kept
      WHERE kept.deal_id = stage_history.deal_id AND kept.entered_at = stage_history.entered_at AND kept.stage = ${to})`.execute(db)
    await sql`UPDATE stage_history SET stage = ${to} WHERE stage = ${stage}`.execute(db)
  }
  if (!changed) return
  const built = await sql<{ n: number }>`SELECT count(*) AS n FROM analytics_rollup_state`.execute(db)
  if (Number(built.rows[0]?.n ?? 0) === 0) return
  const version = `upgrade:${new Date().toISOString()}`
  await sql`INSERT INTO meta (key, value) VALUES ('data_version', ${version}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(
    db,
  )
}

/** Nothing to undo: the spelling a stage was imported in is not kept, and the order's is the same stage. */
export async function down(_db: Kysely<unknown>): Promise<void> {}

import { type Kysely, sql } from 'kysely'

/**
 * Stages stored in another case than the stored stage order spells them (`demo` beside the order's
 * `Demo`) take the order's spelling, in `deals` (`stage`, `lost_at_stage`) and `stage_history`.
 * An earlier release stored a deal's stage as the CSV spelt it when `PULSE_STAGES` gave it in
 * another case, and a later one could still leave a store in two spellings, when a CRM sync
 * replaced the stage order with its pipeline's (`Contract Sent`) over deals a CSV import had stored
 * as `contract sent`, or merged two CRMs' orders that spell one stage in different case; reports
 * match stage names exactly, so the deals in the other spelling were left out of the funnel, the
 * losses by stage and the time in stage. (Syncs now fold them as they save the order.) Names are
 * compared as an import compares them (JavaScript's lower case, so `Übergabe` folds on SQLite too).
 * A stay that would repeat one already stored in the order's spelling (same deal, stage and entry)
 * is dropped. When anything changed and report summaries (the analytics rollup) exist, a new data
 * version sets them aside until the next import or sync rebuilds them, as migration 0010 does.
 *
 * Each table is read once to find the spellings it holds (a store of a million deals and a few
 * million stays: well under a second), and only a spelling that needs folding is rewritten; a store
 * with nothing to fold is left as it was. Migration 0019 did the same fold; a store that applies
 * both applies this one right after it, so the fold is done here alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const order = await sql<{ name: string }>`SELECT name FROM stages ORDER BY position`.execute(db)
  const byLowerCase = new Map<string, string>()
  for (const { name } of order.rows) if (!byLowerCase.has(name.toLowerCase())) byLowerCase.set(name.toLowerCase(), name)
  if (byLowerCase.size === 0) return
  const spelling = (stage: string | null) => {
    const stored = stage === null ? undefined : byLowerCase.get(stage.toLowerCase())
    return stored === undefined || stored === stage ? null : stored
  }
  const folds = { stage: new Map<string, string>(), lost: new Map<string, string>(), stays: new Map<string, string>() }
  const pairs = await sql<{ stage: string; lost_at_stage: string | null }>`SELECT DISTINCT stage, lost_at_stage FROM deals`.execute(db)
  for (const { stage, lost_at_stage } of pairs.rows) {
    const to = spelling(stage)
    if (to !== null) folds.stage.set(stage, to)
    const lostTo = spelling(lost_at_stage)
    if (lostTo !== null) folds.lost.set(lost_at_stage as string, lostTo)
  }
  const stays = await sql<{ stage: string }>`SELECT DISTINCT stage FROM stage_history`.execute(db)
  for (const { stage } of stays.rows) {
    const to = spelling(stage)
    if (to !== null) folds.stays.set(stage, to)
  }
  if (folds.stage.size + folds.lost.size + folds.stays.size === 0) return
  for (const [stage, to] of folds.stage) await sql`UPDATE deals SET stage = ${to} WHERE stage = ${stage}`.execute(db)
  for (const [stage, to] of folds.lost) await sql`UPDATE deals SET lost_at_stage = ${to} WHERE lost_at_stage = ${stage}`.execute(db)
  for (const [stage, to] of folds.stays) {
    // A stay already stored in the order's spelling keeps its row; the repeat is dropped.
    await sql`DELETE FROM stage_history WHERE stage = ${stage} AND EXISTS (
      SELECT 1 FROM stage_history AS kept
      WHERE kept.deal_id = stage_history.deal_id AND kept.entered_at = stage_history.entered_at AND kept.stage = ${to})`.execute(db)
    await sql`UPDATE stage_history SET stage = ${to} WHERE stage = ${stage}`.execute(db)
  }
  const built = await sql<{ n: number }>`SELECT count(*) AS n FROM analytics_rollup_state`.execute(db)
  if (Number(built.rows[0]?.n ?? 0) === 0) return
  const version = `upgrade:${new Date().toISOString()}`
  await sql`INSERT INTO meta (key, value) VALUES ('data_version', ${version}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(
    db,
  )
}

/** Nothing to undo: the spelling a stage was imported in is not kept, and the order's is the same stage. */
export async function down(_db: Kysely<unknown>): Promise<void> {}

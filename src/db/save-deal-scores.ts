import { type Insertable, sql } from 'kysely'
import type { Store } from './open-store.js'
import type { DealScoresTable } from './schema-model.js'

// Scores per statement on Postgres.
const ARRAY_BATCH = 10_000
// 100 rows x 8 values per statement: far fewer native calls, well under SQLite's 32,766 parameters.
const ROWS_PER_STATEMENT = 100
const COLUMNS = ['model_id', 'deal_id', 'as_of', 'scored_at', 'win_probability', 'health_score', 'basis', 'reasons'] as const

// Scores of models older than the two newest are never read (deals show the current model's),
// and would grow by a full set of open deals at every retrain: each save drops them, after its
// own transaction, PRUNE_CHUNK rows per statement, so a large backlog (a store that kept every
// model's scores) never holds the write lock for long.
const PRUNE_CHUNK = 50_000
const pruneOldModelScores = (keep: number, chunk: number) =>
  `DELETE FROM deal_scores WHERE (model_id, deal_id) IN (
    SELECT model_id, deal_id FROM deal_scores WHERE model_id <> ${keep} AND model_id < (
      SELECT coalesce(min(model_id), 0) FROM (SELECT model_id FROM models ORDER BY model_id DESC LIMIT 2) newest)
    LIMIT ${chunk})`

/**
 * Stores scores in one transaction, replacing each deal's earlier score under the same model.
 * With `replaceModelScores`, first removes every score of that model (deals no longer open drop
 * out). Then the scores of models older than the two newest are removed (the model saved for is
 * kept whatever its age), `pruneChunk` rows (default 50,000) per statement, each its own
 * transaction, so `deal_scores` holds at most about two sets of open deals however often the
 * model is retrained, and a large backlog does not hold the write lock at once. On SQLite
 * prepared multi-row statements do the inserts (100k scores in well under a second); on
 * PostgreSQL one upsert per 10,000 scores from column arrays (`unnest`).
 */
export async function saveDealScores(
  store: Store,
  scores: readonly Insertable<DealScoresTable>[],
  options: { replaceModelScores?: number; pruneChunk?: number } = {},
): Promise<void> {
  await storeScores(store, scores, options)
  const keep = scores[0]?.model_id ?? options.replaceModelScores
  if (keep === undefined) return
  const chunk = Math.max(1, Math.floor(options.pruneChunk ?? PRUNE_CHUNK))
  const prune = sql.raw(pruneOldModelScores(Number(keep), chunk))
  for (;;) {
    const result = await prune.execute(store.db)
    if (Number(result.numAffectedRows ?? 0) < chunk) break
  }
}

// The save itself, in one transaction.
async function storeScores(
  store: Store,
  scores: readonly Insertable<DealScoresTable>[],
  options: { replaceModelScores?: number },
): Promise<void> {
  const sqlite = store.sqlite
  if (sqlite) {
    const remove = sqlite.prepare('DELETE FROM deal_scores WHERE model_id = ?')
    const statement = (rows: number) =>
      sqlite.prepare(
        `INSERT INTO deal_scores (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => `(${COLUMNS.map(() => '?').join(', ')})`).join(', ')}
         ON CONFLICT (model_id, deal_id) DO UPDATE SET ${COLUMNS.slice(2)
           .map((c) => `${c} = excluded.${c}`)
           .join(', ')}`,
      )
    const many = statement(ROWS_PER_STATEMENT)
    const one = statement(1)
    const values = (s: Insertable<DealScoresTable>) => [
      s.model_id,
      s.deal_id,
      s.as_of,
      s.scored_at,
      s.win_probability,
      s.health_score,
      s.basis,
      s.reasons,
    ]
    sqlite.transaction(() => {
      if (options.replaceModelScores !== undefined) remove.run(options.replaceModelScores)
      let i = 0
      for (; i + ROWS_PER_STATEMENT <= scores.length; i += ROWS_PER_STATEMENT)
        many.run(scores.slice(i, i + ROWS_PER_STATEMENT).flatMap(values))
      for (; i < scores.length; i++) one.run(values(scores[i] as Insertable<DealScoresTable>))
    })()
    return
  }
  // Postgres: one statement per 10,000 scores, the values sent as one array per column (unnest),
  // so the server parses 8 parameters instead of 80,000. A deal scored twice keeps its last
  // score, as the row-by-row upsert on SQLite leaves it.
  const latest = new Map<string, Insertable<DealScoresTable>>()
  for (const s of scores) latest.set(`${s.model_id}\u0000${s.deal_id}`, s)
  const rows = [...latest.values()]
  await store.db.transaction().execute(async (tx) => {
    if (options.replaceModelScores !== undefined)
      await tx.deleteFrom('deal_scores').where('model_id', '=', options.replaceModelScores).execute()
    for (let i = 0; i < rows.length; i += ARRAY_BATCH) {
      const slice = rows.slice(i, i + ARRAY_BATCH)
      const column = <K extends (typeof COLUMNS)[number]>(name: K) => slice.map((r) => r[name])
      await sql`INSERT INTO deal_scores (${sql.join(COLUMNS.map((c) => sql.ref(c)))})
        SELECT * FROM unnest(${column('model_id')}::integer[], ${column('deal_id')}::text[], ${column('as_of')}::text[],
          ${column('scored_at')}::text[], ${column('win_probability')}::double precision[], ${column('health_score')}::integer[],
          ${column('basis')}::text[], ${column('reasons')}::text[])
        ON CONFLICT (model_id, deal_id) DO UPDATE SET ${sql.join(COLUMNS.slice(2).map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`.execute(
        tx,
      )
    }
  })
}

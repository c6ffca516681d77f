import type { Insertable } from 'kysely'
import type { Store } from './open-store.js'
import type { DealScoresTable } from './schema-model.js'

const BATCH = 1000
// 100 rows x 8 values per statement: far fewer native calls, well under SQLite's 32,766 parameters.
const ROWS_PER_STATEMENT = 100
const COLUMNS = ['model_id', 'deal_id', 'as_of', 'scored_at', 'win_probability', 'health_score', 'basis', 'reasons'] as const

/**
 * Stores scores in one transaction, replacing each deal's earlier score under the same model.
 * With `replaceModelScores`, first removes every score of that model (deals no longer open drop
 * out). On SQLite prepared multi-row statements do the inserts (100k scores in well under a second);
 * elsewhere Kysely inserts in batches of 1,000.
 */
export async function saveDealScores(
  store: Store,
  scores: readonly Insertable<DealScoresTable>[],
  options: { replaceModelScores?: number } = {},
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
  await store.db.transaction().execute(async (tx) => {
    if (options.replaceModelScores !== undefined)
      await tx.deleteFrom('deal_scores').where('model_id', '=', options.replaceModelScores).execute()
    for (let i = 0; i < scores.length; i += BATCH) {
      await tx
        .insertInto('deal_scores')
        .values(scores.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.columns(['model_id', 'deal_id']).doUpdateSet((eb) => ({
            as_of: eb.ref('excluded.as_of'),
            scored_at: eb.ref('excluded.scored_at'),
            win_probability: eb.ref('excluded.win_probability'),
            health_score: eb.ref('excluded.health_score'),
            basis: eb.ref('excluded.basis'),
            reasons: eb.ref('excluded.reasons'),
          })),
        )
        .execute()
    }
  })
}

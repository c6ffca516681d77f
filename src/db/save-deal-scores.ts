import type { Insertable } from 'kysely'
import type { Store } from './open-store.js'
import type { DealScoresTable } from './schema-model.js'

const BATCH = 1000
const COLUMNS = ['model_id', 'deal_id', 'as_of', 'scored_at', 'win_probability', 'health_score', 'basis', 'reasons'] as const

/**
 * Stores scores in one transaction, replacing each deal's earlier score under the same model.
 * With `replaceModelScores`, first removes every score of that model (deals no longer open drop
 * out). On SQLite a prepared statement does the inserts (100k scores in well under a second);
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
    const upsert = sqlite.prepare(
      `INSERT INTO deal_scores (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (model_id, deal_id) DO UPDATE SET ${COLUMNS.slice(2)
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    )
    sqlite.transaction(() => {
      if (options.replaceModelScores !== undefined) remove.run(options.replaceModelScores)
      for (const s of scores) upsert.run(s.model_id, s.deal_id, s.as_of, s.scored_at, s.win_probability, s.health_score, s.basis, s.reasons)
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

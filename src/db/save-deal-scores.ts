import type { Insertable, Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { DealScoresTable } from './schema-model.js'

const BATCH = 1000

/**
 * Stores scores (one transaction), replacing each deal's earlier score under the same model.
 * With `replaceModelScores`, first removes every score of that model (deals no longer open drop out).
 */
export async function saveDealScores(
  db: Kysely<Database>,
  scores: readonly Insertable<DealScoresTable>[],
  options: { replaceModelScores?: number } = {},
): Promise<void> {
  await db.transaction().execute(async (tx) => {
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

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { DealScoreRow } from './schema-model.js'

/**
 * Stored scores under `modelId`, least healthy first; only `dealIds` when given, at most `limit`.
 * `reasons` is JSON text (an array of strings).
 */
export async function findDealScores(
  db: Kysely<Database>,
  modelId: number,
  options: { dealIds?: readonly string[]; limit?: number } = {},
): Promise<DealScoreRow[]> {
  let q = db.selectFrom('deal_scores').selectAll().where('model_id', '=', modelId)
  if (options.dealIds) {
    if (options.dealIds.length === 0) return []
    q = q.where('deal_id', 'in', [...options.dealIds])
  }
  q = q.orderBy('health_score', 'asc').orderBy('deal_id', 'asc')
  if (options.limit !== undefined) q = q.limit(options.limit)
  return q.execute()
}

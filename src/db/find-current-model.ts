import type { Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { ModelRow } from './schema-model.js'

/**
 * The model scores come from: the latest informative model; when no model has been informative,
 * the latest model (whose scores are then segment base rates). With `modelId`, that model.
 * Undefined when none matches (no model trained yet).
 */
export async function findCurrentModel(db: Kysely<Database>, modelId?: number): Promise<ModelRow | undefined> {
  if (modelId !== undefined) return db.selectFrom('models').selectAll().where('model_id', '=', modelId).executeTakeFirst()
  const informative = await db
    .selectFrom('models')
    .selectAll()
    .where('informative', '=', 1)
    .orderBy('model_id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return informative ?? db.selectFrom('models').selectAll().orderBy('model_id', 'desc').limit(1).executeTakeFirst()
}

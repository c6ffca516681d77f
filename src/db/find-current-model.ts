import type { Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { ModelRow } from './schema-model.js'

/**
 * The model scores come from: of the models trained as of the latest day, the latest trained (a
 * model trained looking back, `pulse train --as-of` an earlier day, does not replace it). When it
 * is not informative its scores are segment base rates; an older informative model does not take
 * over, since the current one was tested on the newest deals and the older one never was. With
 * `modelId`, that model. Undefined when none matches (no model trained yet).
 */
export async function findCurrentModel(db: Kysely<Database>, modelId?: number): Promise<ModelRow | undefined> {
  if (modelId !== undefined) return db.selectFrom('models').selectAll().where('model_id', '=', modelId).executeTakeFirst()
  return db.selectFrom('models').selectAll().orderBy('as_of', 'desc').orderBy('model_id', 'desc').limit(1).executeTakeFirst()
}

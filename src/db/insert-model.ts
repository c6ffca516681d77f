import type { Insertable, Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { ModelsTable } from './schema-model.js'

/**
 * Adds a trained model to the registry and returns its id.
 * @example const modelId = await insertModel(db, { engine: 'WinRateDriverEngine', ... })
 */
export async function insertModel(db: Kysely<Database>, model: Insertable<ModelsTable>): Promise<number> {
  const row = await db.insertInto('models').values(model).returning('model_id').executeTakeFirstOrThrow()
  return Number(row.model_id)
}

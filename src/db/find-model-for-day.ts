import type { Kysely } from 'kysely'
import { findCurrentModel } from './find-current-model.js'
import type { Database } from './schema.js'
import type { ModelRow } from './schema-model.js'

/**
 * The model that scores deals as of `asOf` (`YYYY-MM-DD`): the latest trained of those that read
 * no deal closed after that day, that is, trained as of a day before the store's first close after
 * `asOf` (with nothing closed since, the current model of {@link findCurrentModel}). A look back
 * (`pulse score --as-of` an earlier day) thus never uses outcomes that were not known on that day.
 * Undefined when no model qualifies.
 * @example await findModelForDay(db, '2024-06-30') // a model trained as of 2024-06-30, or of 2025-03-15 when nothing closed in between
 */
export async function findModelForDay(db: Kysely<Database>, asOf: string): Promise<ModelRow | undefined> {
  // The usual case (scoring today): the current model was trained as of that day or before, so it
  // read nothing closed after it, and no deal needs scanning.
  const current = await findCurrentModel(db)
  if (!current || current.as_of <= asOf) return current
  const next = await db
    .selectFrom('deals')
    .where('archived', '=', 0)
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '>', asOf)
    .select((eb) => eb.fn.min('closed_date').as('closed'))
    .executeTakeFirst()
  let query = db.selectFrom('models').selectAll()
  if (next?.closed) query = query.where('as_of', '<', next.closed)
  return query.orderBy('as_of', 'desc').orderBy('model_id', 'desc').limit(1).executeTakeFirst()
}

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Every stage name stored for the deals of `source`: their stages, the stages they were lost at,
 * and those of their stays, each once.
 * @example await findSourceStages(db, 'salesforce') // Set { 'Prospecting', 'QUALIFICATION', 'Closed Lost' }
 */
export async function findSourceStages(db: Kysely<Database>, source: string): Promise<Set<string>> {
  const names = new Set<string>()
  const deals = await db.selectFrom('deals').select(['stage', 'lost_at_stage']).distinct().where('source', '=', source).execute()
  for (const d of deals) {
    names.add(d.stage)
    if (d.lost_at_stage !== null) names.add(d.lost_at_stage)
  }
  const stays = await db
    .selectFrom('stage_history')
    .select('stage')
    .distinct()
    .where('deal_id', 'in', db.selectFrom('deals').select('deal_id').where('source', '=', source))
    .execute()
  for (const s of stays) names.add(s.stage)
  return names
}

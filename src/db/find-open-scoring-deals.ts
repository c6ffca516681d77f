import type { Kysely } from 'kysely'
import type { ScoringDeal } from '../model/model-deal.js'
import type { Database } from './schema.js'

/**
 * Every open, non-archived deal with just the columns scoring reads, in no particular order
 * (scoring sorts its result; leaving out the order and the wide text columns halves the read time
 * at 100k deals).
 */
export async function findOpenScoringDeals(db: Kysely<Database>): Promise<ScoringDeal[]> {
  return db
    .selectFrom('deals')
    .select([
      'deal_id',
      'owner_id',
      'created_date',
      'closed_date',
      'outcome',
      'stage',
      'stage_entered_date',
      'lost_at_stage',
      'amount',
      'industry',
      'region',
      'product_type',
      'lead_source',
      'last_activity_date',
      'updated_date',
    ])
    .where('archived', '=', 0)
    .where('outcome', '=', 'open')
    .execute()
}

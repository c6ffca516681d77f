import type { Kysely } from 'kysely'
import type { ModelDeal } from './model-deal.js'
import type { Database } from './schema.js'

const COLUMNS = [
  'deal_id',
  'deal_name',
  'owner_id',
  'owner_email',
  'created_date',
  'closed_date',
  'outcome',
  'stage',
  'stage_entered_date',
  'lost_at_stage',
  'amount',
  'amount_band',
  'industry',
  'region',
  'product_type',
  'lead_source',
  'sales_cycle_days',
  'last_activity_date',
  'updated_date',
  'currency',
] as const

/**
 * Deals the model reads (not archived): `closed` (won and lost), `open`, the one deal `dealId`
 * or the deals `dealIds` (any outcome). Ordered by id; with `newest`, only the `newest` most
 * recently closed deals; with `closedBy`, only deals closed on or before that date (`YYYY-MM-DD`).
 */
export async function findModelDeals(
  db: Kysely<Database>,
  which: 'closed' | 'open' | { dealId: string } | { dealIds: readonly string[] },
  options: { newest?: number; closedBy?: string } = {},
): Promise<ModelDeal[]> {
  let q = db
    .selectFrom('deals')
    .select([...COLUMNS])
    .where('archived', '=', 0)
  if (which === 'closed') q = q.where('outcome', 'in', ['won', 'lost'])
  else if (which === 'open') q = q.where('outcome', '=', 'open')
  else if ('dealId' in which) q = q.where('deal_id', '=', which.dealId)
  else if (which.dealIds.length === 0) return []
  else q = q.where('deal_id', 'in', which.dealIds)
  if (options.closedBy !== undefined) q = q.where('closed_date', '<=', options.closedBy)
  if (options.newest !== undefined) q = q.orderBy('closed_date', 'desc').orderBy('deal_id').limit(options.newest)
  else q = q.orderBy('deal_id')
  return q.execute()
}

import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/**
 * Ids of stored (not archived) deals that differ from `dealId` only in case (`d000647` ->
 * `D000647`), at most `limit`, sorted: what to suggest when an id typed is not found. Reads every
 * deal (about 0.2 s at a million), so it is for a miss only.
 * @example await findDealIdsInAnyCase(db, 'a6') // ['A6']
 */
export async function findDealIdsInAnyCase(db: Kysely<Database>, dealId: string, limit = 3): Promise<string[]> {
  const rows = await db
    .selectFrom('deals')
    .select('deal_id')
    .where('archived', '=', 0)
    .where(sql<string>`lower(deal_id)`, '=', dealId.toLowerCase())
    .orderBy('deal_id')
    .limit(limit)
    .execute()
  return rows.map((r) => r.deal_id)
}

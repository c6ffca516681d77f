import { type Kysely, sql } from 'kysely'
import type { OwnerCloseCount } from '../model/model-deal.js'
import type { Database } from './schema.js'

/**
 * Won and lost deals per owner and close day (every closed, non-archived deal): owners' track
 * records. With `ownerIds`, only those owners' (one deal's card needs only its owner's record;
 * grouping every owner's closes by day takes seconds at a million deals).
 */
export async function findOwnerCloseCounts(db: Kysely<Database>, ownerIds?: readonly string[]): Promise<OwnerCloseCount[]> {
  let query = db.selectFrom('deals').where('archived', '=', 0)
  if (ownerIds) query = ownerIds.length === 0 ? query.where(sql<boolean>`0 = 1`) : query.where('owner_id', 'in', [...ownerIds])
  const rows = await query
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', 'is not', null)
    .select([
      'owner_id',
      sql<string>`closed_date`.as('closed_date'),
      sql<number>`sum(case when outcome = 'won' then 1 else 0 end)`.as('won'),
      sql<number>`sum(case when outcome = 'lost' then 1 else 0 end)`.as('lost'),
    ])
    .groupBy(['owner_id', 'closed_date'])
    .execute()
  return rows.map((r) => ({ owner_id: r.owner_id, closed_date: r.closed_date, won: Number(r.won), lost: Number(r.lost) }))
}

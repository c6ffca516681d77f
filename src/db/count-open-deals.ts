import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * How many open, not archived deals `ownerIds` own (every owner's when undefined; none for an
 * empty list). Counts what `findOpenDealsByHealth` lists from.
 *
 * @example await countOpenDeals(db, ['rep_17']) // 312
 */
export async function countOpenDeals(db: Kysely<Database>, ownerIds: readonly string[] | undefined): Promise<number> {
  if (ownerIds !== undefined && ownerIds.length === 0) return 0
  let q = db
    .selectFrom('deals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deals.outcome', '=', 'open')
    .where('deals.archived', '=', 0)
  if (ownerIds !== undefined) q = q.where('deals.owner_id', 'in', [...ownerIds])
  return Number((await q.executeTakeFirstOrThrow()).n)
}

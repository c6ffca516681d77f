import type { Kysely } from 'kysely'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findRollupSlice } from './find-rollup-slice.js'
import type { Database } from './schema.js'

/**
 * How many deals of `scope` were open on `scope.asOf` (created by then) and have closed since, won
 * or lost: deals the store keeps only as they are now, which a look back at the open deals cannot show.
 * A current analytics rollup built up to "as of" or before (the usual "as of" today) answers 0
 * without reading the deals.
 * @example await countClosedSince(db, { asOf: '2024-06-30' }) // 170
 */
export async function countClosedSince(db: Kysely<Database>, scope: DealScope): Promise<number> {
  // A current rollup means "as of" is on or after every date in the data: nothing has closed since.
  if (await findRollupSlice(db, { asOf: scope.asOf })) return 0
  const row = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '>', scope.asOf)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

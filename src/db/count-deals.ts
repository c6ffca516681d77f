import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * How many deals the store holds, archived ones included.
 *
 * @example await countDeals(db) // 1000000
 */
export async function countDeals(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('deals')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * How many deals were open on `asOf` (`YYYY-MM-DD`: created by then) and have closed since, won or
 * lost: deals the store keeps only as they are now, which a look back at the open deals cannot show.
 * @example await countClosedSince(db, '2024-06-30') // 170
 */
export async function countClosedSince(db: Kysely<Database>, asOf: string): Promise<number> {
  const row = await db
    .selectFrom('deals')
    .where('archived', '=', 0)
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '>', asOf)
    .where('created_date', '<=', asOf)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Closed deals after a day: how many, and the last close date (null when none). */
export interface ClosedAfter {
  count: number
  lastClosedDate: string | null
}

/**
 * How many deals (not archived) were won or lost after `day` (`YYYY-MM-DD`), and the last of
 * their close dates: the closes a model trained as of `day` cannot read.
 * @example await countClosedAfter(db, '2024-06-30') // { count: 170, lastClosedDate: '2024-09-12' }
 */
export async function countClosedAfter(db: Kysely<Database>, day: string): Promise<ClosedAfter> {
  const row = await db
    .selectFrom('deals')
    .where('archived', '=', 0)
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '>', day)
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('closed_date').as('last')])
    .executeTakeFirst()
  return { count: Number(row?.n ?? 0), lastClosedDate: row?.last ?? null }
}

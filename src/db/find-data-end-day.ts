import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/**
 * The newest day on or before `asOf` on which any deal in the store (not archived) was created or
 * closed: where the data end, for a report run after the last import. Null with no such deal.
 * @example await findDataEndDay(db, '2025-01-20') // '2024-09-15' (the export's last day)
 */
export async function findDataEndDay(db: Kysely<Database>, asOf: string): Promise<string | null> {
  const [created, closed] = await Promise.all([
    db
      .selectFrom('deals')
      .where('archived', '=', 0)
      .where('created_date', '<=', asOf)
      .select(sql<string | null>`max(created_date)`.as('day'))
      .executeTakeFirst(),
    db
      .selectFrom('deals')
      .where('archived', '=', 0)
      .where('outcome', 'in', ['won', 'lost'])
      .where('closed_date', '<=', asOf)
      .select(sql<string | null>`max(closed_date)`.as('day'))
      .executeTakeFirst(),
  ])
  const days = [created?.day, closed?.day].filter((d): d is string => typeof d === 'string' && d !== '')
  return days.length === 0 ? null : days.reduce((a, b) => (a > b ? a : b)).slice(0, 10)
}

import { type Kysely, sql } from 'kysely'
import { type DealScope, scopeCondition } from './deal-scope.js'
import type { Database } from './schema.js'

/**
 * The earliest `created_date` of the deals in a scope's filters and owners that were created after
 * its "as of" (a report run as of a day before the data), or null when there is none.
 * @example await findFirstCreatedAfter(db, { asOf: '2023-01-01' }) // '2024-01-03'
 */
export async function findFirstCreatedAfter(db: Kysely<Database>, scope: DealScope): Promise<string | null> {
  // The scope's condition with the latest "as of" there can be, and the day after the real one.
  const row = await db
    .selectFrom('deals')
    .where(scopeCondition({ ...scope, asOf: '9999-12-31' }))
    .where('created_date', '>', scope.asOf)
    .select(sql<string | null>`min(created_date)`.as('first'))
    .executeTakeFirst()
  return row?.first ?? null
}

import type { Kysely } from 'kysely'
import { type DealScope, scopeCondition } from './deal-scope.js'
import type { Database } from './schema.js'

/** Deals of a scope recorded as won or lost with a close date after every other record of the store. */
export interface PlannedCloses {
  /**
   * The newest day the store's records show: the latest creation, update or activity date of any
   * deal (close dates aside, since a CRM dates a close ahead when it is planned); null without deals.
   */
  newestRecord: string | null
  /** Deals of the scope, won or lost, closing after both `scope.asOf` and `newestRecord`. */
  count: number
}

/**
 * The deals of `scope` whose close date lies after both "as of" and the newest record of the store
 * ({@link PlannedCloses}): a close dated after everything the data has seen is a planned one, not
 * one that happened, so they were open on "as of" without having closed since.
 * @example await findPlannedCloses(db, { asOf: '2024-03-31' }) // { newestRecord: '2024-06-02', count: 1 }
 */
export async function findPlannedCloses(db: Kysely<Database>, scope: DealScope): Promise<PlannedCloses> {
  // One pass over the deals: the newest record, and the latest close after "as of" in scope.
  const found = await db
    .selectFrom('deals')
    .where('archived', '=', 0)
    .select((eb) => [
      eb.fn.max('created_date').as('created'),
      eb.fn.max('updated_date').as('updated'),
      eb.fn.max('last_activity_date').as('activity'),
      eb.fn
        .max(
          eb
            .case()
            .when(eb.and([scopeCondition(scope)(eb), eb('outcome', 'in', ['won', 'lost']), eb('closed_date', '>', scope.asOf)]))
            .then(eb.ref('closed_date'))
            .else(null)
            .end(),
        )
        .as('lastClose'),
    ])
    .executeTakeFirst()
  const days = [found?.created, found?.updated, found?.activity].filter((d): d is string => typeof d === 'string' && d !== '')
  if (days.length === 0) return { newestRecord: null, count: 0 }
  // Stored activity and update dates may carry a time: only the day counts.
  const newestRecord = days.map((d) => d.slice(0, 10)).reduce((a, b) => (b > a ? b : a))
  const lastClose = found?.lastClose ?? null
  // Usually every close is on or before the newest record: nothing is planned, and the deals are not read again.
  if (lastClose === null || lastClose <= newestRecord) return { newestRecord, count: 0 }
  const row = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '>', newestRecord > scope.asOf ? newestRecord : scope.asOf)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst()
  return { newestRecord, count: Number(row?.n ?? 0) }
}

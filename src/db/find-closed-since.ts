import type { Kysely } from 'kysely'
import { addDays, todayIn } from '../domain/dates.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import type { Database } from './schema.js'

/** Deals of a scope open on "as of" that are now recorded won or lost, and which of those closes are planned. */
export interface ClosedSince {
  /** Deals of the scope open on `scope.asOf` (created by then) that are now won or lost, closed after that day. */
  count: number
  /**
   * The newest day the store's records show: the latest creation, update or activity date of any
   * deal (close dates aside, since a CRM dates a close ahead when it is planned), at the latest
   * today; null without deals.
   */
  newestRecord: string | null
  /** Of `count`, the deals closing after `newestRecord` too: planned closes, not ones that happened. */
  planned: number
}

/**
 * The deals of `scope` open on "as of" and won or lost since ({@link ClosedSince}), telling apart
 * those whose close date lies after the newest record of the store: a close dated after
 * everything the data has seen is a planned one, so such a deal had not closed when the data was
 * taken, and so is one dated after `today` (default: tomorrow in UTC). One pass over the deals (the same as counting them); a second, for the planned ones,
 * only when some close is later than every record.
 * @example await findClosedSince(db, { asOf: '2024-03-31' }) // { count: 2, newestRecord: '2024-06-02', planned: 1 }
 */
export async function findClosedSince(db: Kysely<Database>, scope: DealScope, today?: string): Promise<ClosedSince> {
  const found = await db
    .selectFrom('deals')
    .where('archived', '=', 0)
    .select((eb) => {
      const since = eb.and([scopeCondition(scope)(eb), eb('outcome', 'in', ['won', 'lost']), eb('closed_date', '>', scope.asOf)])
      return [
        eb.fn.sum<number | string | null>(eb.case().when(since).then(1).else(0).end()).as('count'),
        eb.fn.max(eb.case().when(since).then(eb.ref('closed_date')).else(null).end()).as('lastClose'),
        eb.fn.max('created_date').as('created'),
        eb.fn.max('updated_date').as('updated'),
        eb.fn.max('last_activity_date').as('activity'),
      ]
    })
    .executeTakeFirst()
  const count = Number(found?.count ?? 0)
  const days = [found?.created, found?.updated, found?.activity].filter((d): d is string => typeof d === 'string' && d !== '')
  // Stored activity and update dates may carry a time: only the day counts.
  // Nothing has happened after today, whatever a record says (Salesforce dates a deal's last
  // activity by the due date of an event, which may lie ahead).
  const cap = today ?? addDays(todayIn('UTC'), 1)
  const newest = days.length === 0 ? null : days.map((d) => d.slice(0, 10)).reduce((a, b) => (b > a ? b : a))
  const newestRecord = newest !== null && newest > cap ? cap : newest
  const lastClose = found?.lastClose ?? null
  // Usually every close is on or before the newest record: none is planned, and the deals are not read again.
  if (newestRecord === null || lastClose === null || lastClose <= newestRecord) return { count, newestRecord, planned: 0 }
  const row = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '>', newestRecord > scope.asOf ? newestRecord : scope.asOf)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst()
  return { count, newestRecord, planned: Number(row?.n ?? 0) }
}

import { type Kysely, sql } from 'kysely'
import { addDays } from '../domain/dates.js'
import { roundMoney } from '../domain/round-money.js'
import { currenciesOf, currencyTotalsColumns } from './currencies-of.js'
import {
  closedLastTouchSql,
  daysBetweenSql,
  lastActivityOnSql,
  lastActivitySql,
  openDealsSql,
  openStaleFromOnSql,
  openStaleFromSql,
} from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findClosedSince } from './find-closed-since.js'
import { findRollupSlice, rollupRows } from './find-rollup-slice.js'
import { ROLLUP_MAX_DAYS } from './refresh-analytics-rollup.js'
import type { Database } from './schema.js'
import { sumAmountsSql } from './sum-amounts-sql.js'

/** Open pipeline and its stale part ("zombie pipeline"), plus stale closed deals. */
export interface StalePipeline {
  openCount: number
  openAmount: number
  staleCount: number
  staleAmount: number
  /** Stale open deals with neither an activity nor an update date: their gap runs from stage entry or creation. */
  staleWithoutTouchDate: number
  staleClosedCount: number
  /**
   * Deals open on `asOf` that have closed since (a past "as of"). Counted among the open deals
   * (`openOn`), or left out of them (`openNow`, see {@link findStalePipeline}).
   */
  closedSince: number
  /**
   * Of `closedSince`, the deals whose close date is after the newest record of the store
   * (`newestRecord`, null when not read: "as of" on or after every date in the data), planned closes.
   */
  plannedCloses: { count: number; newestRecord: string | null }
  /** Whether the open deals are those open on `asOf`, closed since or not (false: those open now). */
  closedSinceCounted: boolean
  /**
   * Open deals (in `openCount`) with no activity recorded by `asOf`: their latest activity is after
   * it (a past "as of"), so whether they were idle or stale that day is unknown. 0 for "as of" today
   * unless an activity date lies in the future.
   */
  noActivityByAsOfCount: number
  noActivityByAsOfAmount: number
  /** The currencies of the open deals (`openCount`) as stored (null: not stated), each once: the amounts add up without conversion. */
  openCurrencies: (string | null)[]
  /** The currencies of the stale open deals (`staleCount`), as `openCurrencies`. */
  staleCurrencies: (string | null)[]
  /** The currencies of the open deals with no activity recorded by `asOf` (`noActivityByAsOfCount`), as `openCurrencies`. */
  noActivityByAsOfCurrencies: (string | null)[]
  /** The currencies of the other open deals, those with activity recorded by `asOf`, as `openCurrencies`. */
  activityByAsOfCurrencies: (string | null)[]
  /**
   * Whether a deal with no activity or update date counts from the stage it was in on `asOf`, read
   * from its stage history (`lastActivityOnSql`): true unless a current analytics rollup shows
   * "as of" on or after every date in the data (then no deal has moved on since, and the plain
   * stand-in, which PostgreSQL reads from the open deals' index alone, gives the same dates).
   */
  standInOnAsOf: boolean
}

/**
 * Deals open on `scope.asOf` (count, amount): open now, and (a past "as of") those closed since,
 * unless `openNow`; the stale ones among them (`isStale`: more than `staleDays` since the last
 * touch as of `asOf`), closed deals (by `asOf`) that were stale when they closed, deals open on
 * `asOf` that have closed since, and deals open then with no activity recorded by `asOf` (a
 * latest activity after it hides whether they were idle then).
 */
export async function findStalePipeline(
  db: Kysely<Database>,
  scope: DealScope,
  staleDays: number,
  options: { openNow?: boolean; today?: string } = {},
): Promise<StalePipeline> {
  const cutoff = addDays(scope.asOf, -staleDays)
  const slice = staleDays < ROLLUP_MAX_DAYS ? await findRollupSlice(db, scope) : null
  // A current rollup for "as of" means it is on or after every date in the data: no deal has
  // closed or moved on since (and stand-ins need no stage history).
  const asOfIsNewest = (await findRollupSlice(db, { asOf: scope.asOf })) !== null
  const since = asOfIsNewest ? { count: 0, newestRecord: null, planned: 0 } : await findClosedSince(db, scope, options.today)
  const closedSince = since.count
  const openOn = closedSince > 0 && options.openNow !== true
  const standInOnAsOf = !asOfIsNewest
  const staleFrom = standInOnAsOf ? openStaleFromOnSql(scope.asOf) : openStaleFromSql
  const lastActivity = standInOnAsOf ? lastActivityOnSql(scope.asOf) : lastActivitySql
  const openDeals = db.selectFrom('deals').where(scopeCondition(scope)).where(openDealsSql(scope.asOf, openOn))
  const noActivityByAsOf = sql<boolean>`${lastActivity} > ${scope.asOf}`
  const activityByAsOf = sql<boolean>`(${lastActivity} is null or ${lastActivity} <= ${scope.asOf})`
  const open = await openDeals
    .select([
      sql<number>`count(*)`.as('openCount'),
      sql<number>`coalesce(${sumAmountsSql(sql`amount`)}, 0)`.as('openAmount'),
      sql<number>`coalesce(sum(case when ${staleFrom} < ${cutoff} then 1 else 0 end), 0)`.as('staleCount'),
      sql<number>`coalesce(${sumAmountsSql(sql`case when ${staleFrom} < ${cutoff} then amount else 0 end`)}, 0)`.as('staleAmount'),
      sql<number>`coalesce(sum(case when ${staleFrom} < ${cutoff} and last_activity_date is null and updated_date is null then 1 else 0 end), 0)`.as(
        'staleWithoutTouchDate',
      ),
      sql<number>`coalesce(sum(case when ${noActivityByAsOf} then 1 else 0 end), 0)`.as('noActivityCount'),
      sql<number>`coalesce(${sumAmountsSql(sql`case when ${noActivityByAsOf} then amount else 0 end`)}, 0)`.as('noActivityAmount'),
      ...currencyTotalsColumns(),
      ...currencyTotalsColumns(sql<boolean>`${staleFrom} < ${cutoff}`, 'stale'),
      ...currencyTotalsColumns(noActivityByAsOf, 'noActivity'),
      ...currencyTotalsColumns(activityByAsOf, 'activity'),
    ])
    .executeTakeFirst()
  const openCount = Number(open?.openCount ?? 0)
  const staleCount = Number(open?.staleCount ?? 0)
  const staleTotals = open && {
    firstCurrency: open.staleFirstCurrency,
    lastCurrency: open.staleLastCurrency,
    noCurrency: open.staleNoCurrency,
  }
  const noActivityCount = Number(open?.noActivityCount ?? 0)
  const totalsOf = (prefix: 'noActivity' | 'activity') =>
    open && {
      firstCurrency: open[`${prefix}FirstCurrency`],
      lastCurrency: open[`${prefix}LastCurrency`],
      noCurrency: open[`${prefix}NoCurrency`],
    }
  const openCurrencies = await currenciesOf(openDeals, openCount, open)
  const closed = slice
    ? await rollupRows(db, 'stale_closed', slice)
        .where('d', '>', staleDays)
        .select(sql<number>`coalesce(sum(n), 0)`.as('n'))
        .executeTakeFirst()
    : await db
        .selectFrom('deals')
        .where(scopeCondition(scope))
        .where('outcome', 'in', ['won', 'lost'])
        .where('closed_date', '<=', scope.asOf)
        .where(sql<boolean>`${closedLastTouchSql} is not null`)
        .where(sql<boolean>`${daysBetweenSql(db, closedLastTouchSql, 'closed_date')} > ${staleDays}`)
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirst()
  return {
    openCount,
    openAmount: roundMoney(Number(open?.openAmount ?? 0)),
    staleCount,
    staleAmount: roundMoney(Number(open?.staleAmount ?? 0)),
    staleWithoutTouchDate: Number(open?.staleWithoutTouchDate ?? 0),
    staleClosedCount: Number(closed?.n ?? 0),
    closedSince,
    plannedCloses: { count: since.planned, newestRecord: since.newestRecord },
    closedSinceCounted: openOn,
    noActivityByAsOfCount: noActivityCount,
    noActivityByAsOfAmount: roundMoney(Number(open?.noActivityAmount ?? 0)),
    openCurrencies,
    staleCurrencies: await currenciesOf(openDeals.where(sql<boolean>`${staleFrom} < ${cutoff}`), staleCount, staleTotals),
    noActivityByAsOfCurrencies: await currenciesOf(openDeals.where(noActivityByAsOf), noActivityCount, totalsOf('noActivity')),
    activityByAsOfCurrencies:
      noActivityCount === 0
        ? openCurrencies
        : await currenciesOf(openDeals.where(activityByAsOf), openCount - noActivityCount, totalsOf('activity')),
    standInOnAsOf,
  }
}

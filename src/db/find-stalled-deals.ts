import { type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import { addDays } from '../domain/dates.js'
import type { IdleFrom } from '../domain/deal-derived.js'
import { roundMoney } from '../domain/round-money.js'
import { currenciesOf, currencyTotalsColumns } from './currencies-of.js'
import {
  idleFromSql,
  lastActivityOnSql,
  lastActivitySql,
  openDealsSql,
  stageEnteredOnSql,
  stageEnteredSql,
  stageOnSql,
} from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import type { Database } from './schema.js'
import { sumAmountsSql } from './sum-amounts-sql.js'

/** An open deal as the stalled report lists it. */
export interface OpenDealRow {
  dealId: string
  dealName: string | null
  ownerId: string
  ownerEmail: string | null
  amount: number
  /** The stage (on a past "as of", the one it was in then); null when that is not known: won since, with no stage history by then. */
  stage: string | null
  /** `lastActivityOf` and the day the deal entered its current stage. */
  lastActivity: string
  stageEntered: string
  /** Which date `lastActivity` is: a recorded activity, or a stand-in (update, stage entry, creation). */
  idleFrom: IdleFrom
  /** `open`, or `won`/`lost` for a deal open on a past "as of" that has closed since (its `stage` is the one it was in then). */
  outcome: 'open' | 'won' | 'lost'
  /** The close date of a won or lost deal (after "as of"); null for an open one. */
  closedDate: string | null
  /** The deal's currency as the CRM or CSV gave it (null: not stated). */
  currency: string | null
}

/** Some listed deals plus the count and amount of all of them. */
export interface DealList {
  deals: OpenDealRow[]
  count: number
  amount: number
  /** How many of all of them have no recorded activity date (their days idle run from a stand-in date). */
  noActivityDate: number
  /** The currencies of all of them as stored (null: not stated), each once. */
  currencies: (string | null)[]
}

/**
 * How the deal lists read an earlier "as of": `openOnAsOf`, the deals open that day (closed since
 * included) rather than those open now; `standInOnAsOf`, stand-in dates from the stage each deal
 * was in that day (`StalePipeline.standInOnAsOf`).
 */
interface AsOfOptions {
  openOnAsOf?: boolean
  standInOnAsOf?: boolean
}

// `lastActivityOf` as of that day (with `standInOnAsOf`), else as stored.
const lastActivityFor = (asOf: string, options: AsOfOptions) => (options.standInOnAsOf ? lastActivityOnSql(asOf) : lastActivitySql)

// The listed columns, with each deal's stage and stage entry on `asOf` (a past "as of": the
// stage it was in then, also for a deal that moved or closed since).
function listColumns(asOf: string, options: AsOfOptions) {
  return [
    sql<string>`deal_id`.as('dealId'),
    sql<string | null>`deal_name`.as('dealName'),
    sql<string>`owner_id`.as('ownerId'),
    // The deal's own owner email, else the one its owner has elsewhere (the owners table, as Slack
    // access matches people to their deals): a row that left the email out still reaches its owner.
    sql<string | null>`coalesce(owner_email, (select o.email from owners o where o.owner_id = deals.owner_id))`.as('ownerEmail'),
    sql<number>`amount`.as('amount'),
    stageOnSql(asOf).as('stage'),
    lastActivityFor(asOf, options).as('lastActivity'),
    stageEnteredOnSql(asOf).as('stageEntered'),
    idleFromSql.as('idleFrom'),
    sql<'open' | 'won' | 'lost'>`outcome`.as('outcome'),
    sql<string | null>`closed_date`.as('closedDate'),
    sql<string | null>`currency`.as('currency'),
  ]
}

/**
 * Stalled deals (`isStalled`): open, amount >= `alertAmount`, idle >= `idleDays` days as of
 * `scope.asOf`. Lists at most `limit` (0 = all), largest amount first; totals cover all. With
 * `openOnAsOf` (a past "as of" with deals closed since), "open" means open on that day
 * ({@link openDealsSql}): a deal closed since counts when its last activity (or stand-in date) shows
 * it idle then, listed in the stage it was in.
 */
export async function findStalledDeals(
  db: Kysely<Database>,
  scope: DealScope,
  rules: { alertAmount: number; idleDays: number; limit: number } & AsOfOptions,
): Promise<DealList> {
  const idleSince = addDays(scope.asOf, -rules.idleDays)
  const base = db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where(openDealsSql(scope.asOf, rules.openOnAsOf))
    .where('amount', '>=', rules.alertAmount)
    .where(sql<boolean>`${lastActivityFor(scope.asOf, rules)} <= ${idleSince}`)
  return list(base, rules.limit, scope.asOf, rules)
}

/**
 * Open deals with amount >= `alertAmount` that sit in their stage longer than that stage's
 * threshold (`thresholds`: stage -> days; the stage p90) and are not already stalled: active within
 * `idleDays` by `scope.asOf` (a deal whose only recorded activity is later is not listed). With
 * `openOnAsOf` (as {@link findStalledDeals}), the deals open on that day, closed since included,
 * each in the stage it was in then and since the day it entered it ({@link stageOnSql}).
 */
export async function findOverStageDeals(
  db: Kysely<Database>,
  scope: DealScope,
  rules: { alertAmount: number; idleDays: number; limit: number; thresholds: ReadonlyMap<string, number> } & AsOfOptions,
): Promise<DealList> {
  if (rules.thresholds.size === 0) return { deals: [], count: 0, amount: 0, noActivityDate: 0, currencies: [] }
  const idleSince = addDays(scope.asOf, -rules.idleDays)
  // As of an earlier day, each deal in the stage it was in then (it may have moved or closed since).
  const onAsOf = rules.openOnAsOf === true || rules.standInOnAsOf === true
  // A stage not known that day (null) has no threshold: such a deal is not flagged.
  const stage = onAsOf ? stageOnSql(scope.asOf) : sql<string | null>`stage`
  const entered = onAsOf ? stageEnteredOnSql(scope.asOf) : stageEnteredSql
  // Each deal's stage picks its cut-off day (none for a stage without a threshold): the stage and
  // its entry are read once per deal, not once per stage (as of an earlier day, each a look-up in
  // the stage history).
  const cutoff = sql<string | null>`(case ${stage} ${sql.join(
    [...rules.thresholds].map(([name, days]) => sql`when ${name} then ${addDays(scope.asOf, -days)}`),
    sql` `,
  )} else null end)`
  const base = db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where(openDealsSql(scope.asOf, rules.openOnAsOf))
    .where('amount', '>=', rules.alertAmount)
    .where(sql<boolean>`${lastActivityFor(scope.asOf, rules)} > ${idleSince}`)
    // Active by "as of", not only by a later activity (a past "as of"): those are left out, as unknown.
    .where(sql<boolean>`${lastActivityFor(scope.asOf, rules)} <= ${scope.asOf}`)
    .where(sql<boolean>`${entered} < ${cutoff}`)
  return list(base, rules.limit, scope.asOf, rules)
}

// biome-ignore lint/complexity/noBannedTypes: a query with nothing selected yet
type DealsQuery = SelectQueryBuilder<Database, 'deals', {}>

async function list(base: DealsQuery, limit: number, asOf: string, options: AsOfOptions): Promise<DealList> {
  const totals = await base
    .select([
      sql<number>`count(*)`.as('count'),
      sql<number>`coalesce(${sumAmountsSql(sql`amount`)}, 0)`.as('amount'),
      sql<number>`coalesce(sum(case when last_activity_date is null then 1 else 0 end), 0)`.as('noActivityDate'),
      ...currencyTotalsColumns(),
    ])
    .executeTakeFirst()
  let q = base.select(listColumns(asOf, options)).orderBy('amount', 'desc').orderBy('deal_id')
  if (limit > 0) q = q.limit(limit)
  const rows = await q.execute()
  // The totals add amounts up as they are: which currencies they mix is said with them (read
  // again only when the totals show more than one).
  const count = Number(totals?.count ?? 0)
  const currencies = await currenciesOf(base, count, totals)
  return {
    deals: rows.map((r) => ({ ...r, amount: Number(r.amount) })) as OpenDealRow[],
    count,
    amount: roundMoney(Number(totals?.amount ?? 0)),
    noActivityDate: Number(totals?.noActivityDate ?? 0),
    currencies,
  }
}

import { type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import { addDays } from '../domain/dates.js'
import type { IdleFrom } from '../domain/deal-derived.js'
import { roundMoney } from '../domain/round-money.js'
import { idleFromSql, lastActivitySql, stageEnteredSql } from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import type { Database } from './schema.js'

/** An open deal as the stalled report lists it. */
export interface OpenDealRow {
  dealId: string
  dealName: string | null
  ownerId: string
  ownerEmail: string | null
  amount: number
  stage: string
  /** `lastActivityOf` and the day the deal entered its current stage. */
  lastActivity: string
  stageEntered: string
  /** Which date `lastActivity` is: a recorded activity, or a stand-in (update, stage entry, creation). */
  idleFrom: IdleFrom
}

/** Some listed deals plus the count and amount of all of them. */
export interface DealList {
  deals: OpenDealRow[]
  count: number
  amount: number
  /** How many of all of them have no recorded activity date (their days idle run from a stand-in date). */
  noActivityDate: number
}

const listColumns = [
  sql<string>`deal_id`.as('dealId'),
  sql<string | null>`deal_name`.as('dealName'),
  sql<string>`owner_id`.as('ownerId'),
  // The deal's own owner email, else the one its owner has elsewhere (the owners table, as Slack
  // access matches people to their deals): a row that left the email out still reaches its owner.
  sql<string | null>`coalesce(owner_email, (select o.email from owners o where o.owner_id = deals.owner_id))`.as('ownerEmail'),
  sql<number>`amount`.as('amount'),
  sql<string>`stage`.as('stage'),
  lastActivitySql.as('lastActivity'),
  stageEnteredSql.as('stageEntered'),
  idleFromSql.as('idleFrom'),
]

/**
 * Stalled deals (`isStalled`): open, amount >= `alertAmount`, idle >= `idleDays` days as of
 * `scope.asOf`. Lists at most `limit` (0 = all), largest amount first; totals cover all.
 */
export async function findStalledDeals(
  db: Kysely<Database>,
  scope: DealScope,
  rules: { alertAmount: number; idleDays: number; limit: number },
): Promise<DealList> {
  const idleSince = addDays(scope.asOf, -rules.idleDays)
  const base = db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', '=', 'open')
    .where('amount', '>=', rules.alertAmount)
    .where(sql<boolean>`${lastActivitySql} <= ${idleSince}`)
  return list(base, rules.limit)
}

/**
 * Open deals with amount >= `alertAmount` that sit in their stage longer than that stage's
 * threshold (`thresholds`: stage -> days; the stage p90) and are not already stalled: active within
 * `idleDays` by `scope.asOf` (a deal whose only recorded activity is later is not listed).
 */
export async function findOverStageDeals(
  db: Kysely<Database>,
  scope: DealScope,
  rules: { alertAmount: number; idleDays: number; limit: number; thresholds: ReadonlyMap<string, number> },
): Promise<DealList> {
  if (rules.thresholds.size === 0) return { deals: [], count: 0, amount: 0, noActivityDate: 0 }
  const idleSince = addDays(scope.asOf, -rules.idleDays)
  const perStage = [...rules.thresholds].map(
    ([stage, days]) => sql`(stage = ${stage} and ${stageEnteredSql} < ${addDays(scope.asOf, -days)})`,
  )
  const base = db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', '=', 'open')
    .where('amount', '>=', rules.alertAmount)
    .where(sql<boolean>`${lastActivitySql} > ${idleSince}`)
    // Active by "as of", not only by a later activity (a past "as of"): those are left out, as unknown.
    .where(sql<boolean>`${lastActivitySql} <= ${scope.asOf}`)
    .where(sql<boolean>`(${sql.join(perStage, sql` or `)})`)
  return list(base, rules.limit)
}

// biome-ignore lint/complexity/noBannedTypes: a query with nothing selected yet
type DealsQuery = SelectQueryBuilder<Database, 'deals', {}>

async function list(base: DealsQuery, limit: number): Promise<DealList> {
  const totals = await base
    .select([
      sql<number>`count(*)`.as('count'),
      sql<number>`coalesce(sum(amount), 0)`.as('amount'),
      sql<number>`coalesce(sum(case when last_activity_date is null then 1 else 0 end), 0)`.as('noActivityDate'),
    ])
    .executeTakeFirst()
  let q = base.select(listColumns).orderBy('amount', 'desc').orderBy('deal_id')
  if (limit > 0) q = q.limit(limit)
  const rows = await q.execute()
  return {
    deals: rows.map((r) => ({ ...r, amount: Number(r.amount) })) as OpenDealRow[],
    count: Number(totals?.count ?? 0),
    amount: roundMoney(Number(totals?.amount ?? 0)),
    noActivityDate: Number(totals?.noActivityDate ?? 0),
  }
}

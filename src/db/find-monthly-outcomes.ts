import { type Kysely, sql } from 'kysely'
import { roundMoney } from '../domain/round-money.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findMonthlyRollupSlice, monthlyRollupRows } from './find-rollup-slice.js'
import type { Database } from './schema.js'
import { sumAmountsSql } from './sum-amounts-sql.js'

/** Won and lost deals that closed in one calendar month. */
export interface MonthlyOutcomeRow {
  month: string
  won: number
  lost: number
  wonAmount: number
  lostAmount: number
}

/**
 * Won and lost deals by closed month (`YYYY-MM`), counting deals closed on or before `scope.asOf`,
 * oldest first. Months with nothing closed are absent. A current analytics rollup answers every
 * month closed by "as of", and `deals` are read only for the days of "as of"'s month up to it.
 */
export async function findMonthlyOutcomes(db: Kysely<Database>, scope: DealScope): Promise<MonthlyOutcomeRow[]> {
  const slice = await findMonthlyRollupSlice(db, scope)
  if (!slice) return (await closedByMonth(db, scope, null)).map(toRow)
  const rows = await monthlyRollupRows(db, 'closed', slice)
    .select([
      sql<string>`k1`.as('month'),
      sql<number>`sum(case when d = 1 then n else 0 end)`.as('won'),
      sql<number>`sum(case when d = 0 then n else 0 end)`.as('lost'),
      sumAmountsSql(sql`case when d = 1 then amount else 0 end`).as('wonAmount'),
      sumAmountsSql(sql`case when d = 0 then amount else 0 end`).as('lostAmount'),
    ])
    .groupBy('k1')
    .orderBy('k1')
    .execute()
  // The month of "as of" up to it comes after every rollup month.
  const rest = slice.readFrom === null ? [] : await closedByMonth(db, scope, slice.readFrom)
  return [...rows, ...rest].map(toRow)
}

// Deals in scope closed on or before "as of" (and on or after `from`, when given), by closed month.
async function closedByMonth(db: Kysely<Database>, scope: DealScope, from: string | null): Promise<MonthlyOutcomeRow[]> {
  let q = db.selectFrom('deals').where(scopeCondition(scope)).where('outcome', 'in', ['won', 'lost']).where('closed_date', '<=', scope.asOf)
  if (from !== null) q = q.where('closed_date', '>=', from)
  return q
    .select([
      sql<string>`closed_month`.as('month'),
      sql<number>`sum(case when outcome = 'won' then 1 else 0 end)`.as('won'),
      sql<number>`sum(case when outcome = 'lost' then 1 else 0 end)`.as('lost'),
      sumAmountsSql(sql`case when outcome = 'won' then amount else 0 end`).as('wonAmount'),
      sumAmountsSql(sql`case when outcome = 'lost' then amount else 0 end`).as('lostAmount'),
    ])
    .groupBy('closed_month')
    .orderBy('closed_month')
    .execute()
}

function toRow(r: MonthlyOutcomeRow): MonthlyOutcomeRow {
  return {
    month: r.month,
    won: Number(r.won),
    lost: Number(r.lost),
    wonAmount: roundMoney(Number(r.wonAmount)),
    lostAmount: roundMoney(Number(r.lostAmount)),
  }
}

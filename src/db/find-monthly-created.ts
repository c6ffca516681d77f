import { type Kysely, sql } from 'kysely'
import { roundMoney } from '../domain/round-money.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findMonthlyRollupSlice, monthlyRollupRows } from './find-rollup-slice.js'
import type { Database } from './schema.js'
import { sumAmountsSql } from './sum-amounts-sql.js'

/** Deals created in one calendar month. */
export interface MonthlyCreatedRow {
  month: string
  created: number
  createdAmount: number
}

/**
 * Deals created by month (`YYYY-MM`), created on or before `scope.asOf`, oldest first. A current
 * analytics rollup answers every month created by "as of", and `deals` are read only for the days
 * of "as of"'s month up to it.
 */
export async function findMonthlyCreated(db: Kysely<Database>, scope: DealScope): Promise<MonthlyCreatedRow[]> {
  const slice = await findMonthlyRollupSlice(db, scope)
  const rows = slice
    ? [
        ...(await monthlyRollupRows(db, 'created', slice)
          .select([sql<string>`k1`.as('month'), sql<number>`sum(n)`.as('created'), sumAmountsSql(sql`amount`).as('createdAmount')])
          .groupBy('k1')
          .orderBy('k1')
          .execute()),
        // The month of "as of" up to it comes after every rollup month.
        ...(slice.readFrom === null ? [] : await createdByMonth(db, scope, slice.readFrom)),
      ]
    : await createdByMonth(db, scope, null)
  return rows.map((r) => ({ month: r.month, created: Number(r.created), createdAmount: roundMoney(Number(r.createdAmount)) }))
}

// Deals in scope (created on or before "as of", and on or after `from` when given), by created month.
async function createdByMonth(db: Kysely<Database>, scope: DealScope, from: string | null) {
  let q = db.selectFrom('deals').where(scopeCondition(scope))
  if (from !== null) q = q.where('created_date', '>=', from)
  return q
    .select([sql<string>`created_month`.as('month'), sql<number>`count(*)`.as('created'), sumAmountsSql(sql`amount`).as('createdAmount')])
    .groupBy('created_month')
    .orderBy('created_month')
    .execute()
}

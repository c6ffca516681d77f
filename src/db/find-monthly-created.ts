import { type Kysely, sql } from 'kysely'
import { roundMoney } from '../domain/round-money.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findRollupSlice, rollupRows } from './find-rollup-slice.js'
import type { Database } from './schema.js'
import { sumAmountsSql } from './sum-amounts-sql.js'

/** Deals created in one calendar month. */
export interface MonthlyCreatedRow {
  month: string
  created: number
  createdAmount: number
}

/** Deals created by month (`YYYY-MM`), created on or before `scope.asOf`, oldest first. */
export async function findMonthlyCreated(db: Kysely<Database>, scope: DealScope): Promise<MonthlyCreatedRow[]> {
  const slice = await findRollupSlice(db, scope)
  const rows = slice
    ? await rollupRows(db, 'created', slice)
        .select([sql<string>`k1`.as('month'), sql<number>`sum(n)`.as('created'), sumAmountsSql(sql`amount`).as('createdAmount')])
        .groupBy('k1')
        .orderBy('k1')
        .execute()
    : await db
        .selectFrom('deals')
        .where(scopeCondition(scope))
        .select([
          sql<string>`created_month`.as('month'),
          sql<number>`count(*)`.as('created'),
          sumAmountsSql(sql`amount`).as('createdAmount'),
        ])
        .groupBy('created_month')
        .orderBy('created_month')
        .execute()
  return rows.map((r) => ({ month: r.month, created: Number(r.created), createdAmount: roundMoney(Number(r.createdAmount)) }))
}

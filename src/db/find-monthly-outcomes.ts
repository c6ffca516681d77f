import { type Kysely, sql } from 'kysely'
import { roundMoney } from '../domain/round-money.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findRollupSlice, rollupRows } from './find-rollup-slice.js'
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
 * oldest first. Months with nothing closed are absent.
 */
export async function findMonthlyOutcomes(db: Kysely<Database>, scope: DealScope): Promise<MonthlyOutcomeRow[]> {
  const slice = await findRollupSlice(db, scope)
  if (slice) {
    const rows = await rollupRows(db, 'closed', slice)
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
    return rows.map(toRow)
  }
  const rows = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '<=', scope.asOf)
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
  return rows.map(toRow)
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

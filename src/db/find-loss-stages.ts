import { type Kysely, sql } from 'kysely'
import { roundMoney } from '../domain/round-money.js'
import { daysBetweenSql, stageLostAtSql } from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findRollupSlice, rollupRows } from './find-rollup-slice.js'
import type { Database } from './schema.js'
import { sumAmountsSql } from './sum-amounts-sql.js'

/** Lost deals by the stage they were lost at. */
export interface LossStageRow {
  stage: string
  lost: number
  lostAmount: number
  /** Sum over these deals of days from created to closed. */
  daysSpent: number
}

/** Deals lost on or before `scope.asOf`, grouped by stage lost at (`stageLostAt`). */
export async function findLossStages(db: Kysely<Database>, scope: DealScope): Promise<LossStageRow[]> {
  const slice = await findRollupSlice(db, scope)
  const rows = slice
    ? await rollupRows(db, 'closed', slice)
        .where('d', '=', 0)
        .select([
          sql<string>`k2`.as('stage'),
          sql<number>`sum(n)`.as('lost'),
          sumAmountsSql(sql`amount`).as('lostAmount'),
          sql<number>`sum(days)`.as('daysSpent'),
        ])
        .groupBy('k2')
        .execute()
    : await db
        .selectFrom('deals')
        .where(scopeCondition(scope))
        .where('outcome', '=', 'lost')
        .where('closed_date', '<=', scope.asOf)
        .select([
          stageLostAtSql.as('stage'),
          sql<number>`count(*)`.as('lost'),
          sumAmountsSql(sql`amount`).as('lostAmount'),
          sql<number>`sum(${daysBetweenSql(db, 'created_date', 'closed_date')})`.as('daysSpent'),
        ])
        .groupBy(stageLostAtSql)
        .execute()
  return rows.map((r) => ({
    stage: r.stage as string,
    lost: Number(r.lost),
    lostAmount: roundMoney(Number(r.lostAmount)),
    daysSpent: Number(r.daysSpent),
  }))
}

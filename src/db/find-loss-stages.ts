import { type Kysely, sql } from 'kysely'
import { roundMoney } from '../domain/round-money.js'
import { daysBetweenSql, stageLostAtSql } from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findMonthlyRollupSlice, monthlyRollupRows } from './find-rollup-slice.js'
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

/**
 * Deals lost on or before `scope.asOf`, grouped by stage lost at (`stageLostAt`). A current analytics
 * rollup answers every month closed by "as of", and `deals` are read only for the days of "as of"'s
 * month up to it.
 */
export async function findLossStages(db: Kysely<Database>, scope: DealScope): Promise<LossStageRow[]> {
  const slice = await findMonthlyRollupSlice(db, scope)
  if (!slice) return (await lostByStage(db, scope, null)).map(toRow)
  const rolled = await monthlyRollupRows(db, 'closed', slice)
    .where('d', '=', 0)
    .select([
      sql<string>`k2`.as('stage'),
      sql<number>`sum(n)`.as('lost'),
      sumAmountsSql(sql`amount`).as('lostAmount'),
      sql<number>`sum(days)`.as('daysSpent'),
    ])
    .groupBy('k2')
    .execute()
  if (slice.readFrom === null) return rolled.map(toRow)
  // Sums added before rounding, as one query over every deal would.
  const byStage = new Map<string, { stage: string | null; lost: number; lostAmount: number; daysSpent: number }>()
  for (const r of [...rolled, ...(await lostByStage(db, scope, slice.readFrom))]) {
    const sum = byStage.get(r.stage as string) ?? { stage: r.stage, lost: 0, lostAmount: 0, daysSpent: 0 }
    sum.lost += Number(r.lost)
    sum.lostAmount += Number(r.lostAmount)
    sum.daysSpent += Number(r.daysSpent)
    byStage.set(r.stage as string, sum)
  }
  return [...byStage.values()].map(toRow)
}

// Deals in scope lost on or before "as of" (and on or after `from`, when given), by stage lost at.
async function lostByStage(db: Kysely<Database>, scope: DealScope, from: string | null) {
  let q = db.selectFrom('deals').where(scopeCondition(scope)).where('outcome', '=', 'lost').where('closed_date', '<=', scope.asOf)
  if (from !== null) q = q.where('closed_date', '>=', from)
  return q
    .select([
      stageLostAtSql.as('stage'),
      sql<number>`count(*)`.as('lost'),
      sumAmountsSql(sql`amount`).as('lostAmount'),
      sql<number>`sum(${daysBetweenSql(db, 'created_date', 'closed_date')})`.as('daysSpent'),
    ])
    .groupBy(stageLostAtSql)
    .execute()
}

function toRow(r: { stage: string | null; lost: number; lostAmount: number; daysSpent: number }): LossStageRow {
  return {
    stage: r.stage as string,
    lost: Number(r.lost),
    lostAmount: roundMoney(Number(r.lostAmount)),
    daysSpent: Number(r.daysSpent),
  }
}

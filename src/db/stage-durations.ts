import { type Kysely, sql } from 'kysely'
import { daysBetween } from '../domain/dates.js'
import { daysBetweenSql, stageEnteredSql, stayEndSql, validStaySql } from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findRollupSlice, rollupRows } from './find-rollup-slice.js'
import type { Database } from './schema.js'

/** Stays in one stage of one length: completed (`events`) and still running as of (`censored`). */
export interface StageDurationRow {
  stage: string
  days: number
  events: number
  censored: number
}

/**
 * Stays in the open `stages`, by length in whole days, for deals in scope.
 * From stage history (`useHistory`): a stay ends when it was left, or when its deal closed;
 * one still running as of `scope.asOf` is censored at its length so far.
 * Without history: an open deal's current stay (from `stage_entered_date`, else created) is
 * censored, and a lost deal with a known `stage_entered_date` gives a completed stay in the stage
 * it was lost at; other stays are unknown and left out.
 */
export async function findStageDurations(
  db: Kysely<Database>,
  scope: DealScope,
  stages: readonly string[],
  useHistory: boolean,
): Promise<StageDurationRow[]> {
  if (stages.length === 0) return []
  const slice = await findRollupSlice(db, scope)
  if (slice && slice.history === useHistory) {
    const done = await rollupRows(db, 'stay_done', slice)
      .where('k1', 'in', [...stages])
      .select(['k1', 'd', sql<number>`sum(n)`.as('n')])
      .groupBy(['k1', 'd'])
      .execute()
    const running = await rollupRows(db, 'stay_open', slice)
      .where('k1', 'in', [...stages])
      .select(['k1', 'k2', sql<number>`sum(n)`.as('n')])
      .groupBy(['k1', 'k2'])
      .execute()
    return [
      ...done.map((r) => ({ stage: r.k1, days: Number(r.d), events: Number(r.n), censored: 0 })),
      ...running.map((r) => ({ stage: r.k1, days: Math.max(0, daysBetween(r.k2, scope.asOf)), events: 0, censored: Number(r.n) })),
    ]
  }
  const asOf = sql.lit(scope.asOf)
  if (useHistory) {
    const end = stayEndSql
    const done = sql<number>`(case when ${end} is not null and substr(${end}, 1, 10) <= ${scope.asOf} then 1 else 0 end)`
    const days = sql<number>`(case when ${done} = 1 then ${daysBetweenSql(db, sql.ref('sh.entered_at'), end)} else ${daysBetweenSql(db, sql.ref('sh.entered_at'), asOf)} end)`
    const rows = await db
      .selectFrom('stage_history as sh')
      .innerJoin('deals', 'deals.deal_id', 'sh.deal_id')
      .where(scopeCondition(scope))
      .where('sh.stage', 'in', [...stages])
      .where(sql<boolean>`substr(sh.entered_at, 1, 10) <= ${scope.asOf}`)
      .where(validStaySql)
      .select([
        sql<string>`sh.stage`.as('stage'),
        days.as('days'),
        sql<number>`sum(${done})`.as('events'),
        sql<number>`sum(1 - ${done})`.as('censored'),
      ])
      .groupBy([sql`1`, sql`2`])
      .execute()
    return rows.map(toRow)
  }
  const openNow = sql<boolean>`(closed_date is null or closed_date > ${scope.asOf})`
  const open = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where(openNow)
    .where('stage', 'in', [...stages])
    .select([
      sql<string>`stage`.as('stage'),
      daysBetweenSql(db, stageEnteredSql, asOf).as('days'),
      sql<number>`0`.as('events'),
      sql<number>`count(*)`.as('censored'),
    ])
    .groupBy([sql`1`, sql`2`])
    .execute()
  const lostDays = daysBetweenSql(db, 'stage_entered_date', 'closed_date')
  const lost = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', '=', 'lost')
    .where('closed_date', '<=', scope.asOf)
    .where('stage_entered_date', 'is not', null)
    .where(sql<boolean>`coalesce(lost_at_stage, stage) in (${sql.join([...stages])})`)
    .select([
      sql<string>`coalesce(lost_at_stage, stage)`.as('stage'),
      lostDays.as('days'),
      sql<number>`count(*)`.as('events'),
      sql<number>`0`.as('censored'),
    ])
    .groupBy([sql`1`, sql`2`])
    .execute()
  return [...open, ...lost].map(toRow)
}

function toRow(r: { stage: string; days: number; events: number; censored: number }): StageDurationRow {
  return { stage: r.stage, days: Math.max(0, Number(r.days)), events: Number(r.events), censored: Number(r.censored) }
}

import { type Kysely, type RawBuilder, sql } from 'kysely'
import { validStaySql } from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { findRollupSlice, rollupRows } from './find-rollup-slice.js'
import type { Database } from './schema.js'

/** Deals with the same outcome (as of), stage they sit at, and furthest stage reached in their history. */
export interface FunnelCountRow {
  outcome: 'won' | 'lost' | 'open'
  /** Lost deals: the stage lost at; open deals: the current stage; won deals: null. */
  stage: string | null
  /** 0-based position in the stage order of the furthest stage in the deal's stage history; null without history. */
  furthest: number | null
  n: number
}

/**
 * Deals created on or before `scope.asOf`, counted by their outcome as of then (a deal closed later
 * is still open), the stage they sit at, and (when `useHistory`) the furthest stage their history
 * shows, positions taken from `stages`.
 */
export async function findFunnelCounts(
  db: Kysely<Database>,
  scope: DealScope,
  stages: readonly string[],
  useHistory: boolean,
): Promise<FunnelCountRow[]> {
  const slice = await findRollupSlice(db, scope)
  if (slice && slice.history === useHistory && JSON.stringify(slice.openStages) === JSON.stringify(stages)) {
    const rows = await rollupRows(db, 'funnel', slice)
      .select(['k1', 'k2', 'd', sql<number>`sum(n)`.as('n')])
      .groupBy(['k1', 'k2', 'd'])
      .execute()
    return rows.map((r) => ({
      outcome: r.k1 as FunnelCountRow['outcome'],
      stage: r.k2 === '' ? null : r.k2,
      furthest: r.d < 0 ? null : Number(r.d),
      n: Number(r.n),
    }))
  }
  const outcome = sql<
    'won' | 'lost' | 'open'
  >`(case when closed_date is not null and closed_date <= ${scope.asOf} then outcome else 'open' end)`
  // The stage a deal sat at on the as-of day. Closed by then: the stage lost at. Still open then
  // and unchanged since: its stage now. Closed or moved on since (an as-of in the past): the stage
  // of its last stay entered by that day; without one, the stage lost at (a later loss) or none (a
  // later win: left out, as a stage not on record).
  const position = stagePositionSql(stages, sql.ref('sh.stage'))
  const stageThen = useHistory
    ? sql<
        string | null
      >`(select sh.stage from stage_history sh where sh.deal_id = deals.deal_id and substr(sh.entered_at, 1, 10) <= ${scope.asOf} and ${validStaySql} order by substr(sh.entered_at, 1, 10) desc, coalesce(${position}, -1) desc limit 1)`
    : sql<string | null>`null`
  const movedSince = useHistory
    ? sql<boolean>`(closed_date is not null or exists (select 1 from stage_history sh where sh.deal_id = deals.deal_id and substr(sh.entered_at, 1, 10) > ${scope.asOf}))`
    : sql<boolean>`(closed_date is not null)`
  const atStage = sql<string | null>`(case
    when closed_date is not null and closed_date <= ${scope.asOf} and outcome = 'won' then null
    when closed_date is not null and closed_date <= ${scope.asOf} then coalesce(lost_at_stage, stage)
    when ${movedSince} then coalesce(${stageThen}, case when outcome = 'won' then null else coalesce(lost_at_stage, stage) end)
    else coalesce(lost_at_stage, stage) end)`
  const furthest: RawBuilder<number | null> = useHistory
    ? sql<
        number | null
      >`(select max(${stagePositionSql(stages, sql.ref('sh.stage'))}) from stage_history sh where sh.deal_id = deals.deal_id and substr(sh.entered_at, 1, 10) <= ${scope.asOf} and ${validStaySql})`
    : sql<number | null>`null`
  const rows = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .select([outcome.as('outcome'), atStage.as('stage'), furthest.as('furthest'), sql<number>`count(*)`.as('n')])
    // By position: Postgres would not match the parameterised expressions in SELECT and GROUP BY.
    .groupBy([sql`1`, sql`2`, sql`3`])
    .execute()
  return rows.map((r) => ({
    outcome: r.outcome,
    stage: r.stage,
    furthest: r.furthest === null ? null : Number(r.furthest),
    n: Number(r.n),
  }))
}

/** True when any deal has a recorded stage history. */
export async function hasStageHistory(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('stage_history').select('deal_id').limit(1).executeTakeFirst()) !== undefined
}

/** `case <stage> when 'A' then 0 when 'B' then 1 ... end` over the stage order (null for other stages). */
export function stagePositionSql(
  stages: readonly string[],
  stage: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
): RawBuilder<number | null> {
  if (stages.length === 0) return sql<number | null>`null`
  return sql<number | null>`(case ${stage} ${sql.join(
    stages.map((s, i) => sql`when ${s} then ${sql.lit(i)}`),
    sql` `,
  )} else null end)`
}

import { type Kysely, sql } from 'kysely'
import { daysBetween } from '../domain/dates.js'
import { daysBetweenSql, stageEnteredSql, stayEndSql, validStaySql } from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { dialectOf } from './dialect.js'
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
 * censored, and a lost deal with a known `stage_entered_date` on or before its close gives a
 * completed stay in the stage it was lost at; other stays are unknown and left out. With history, a deal that has none (a
 * store of CSV imports where a re-import recorded stage changes for some deals only) counts the
 * same way, so its current stay is not dropped.
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
  if (useHistory) {
    const withHistory =
      dialectOf(db) === 'sqlite' ? await stayDurationsBySqliteChunks(db, scope, stages) : await historyStays(db, scope, stages)
    return [...withHistory, ...(await stageAtCloseStays(db, scope, stages, true))]
  }
  return stageAtCloseStays(db, scope, stages, false)
}

/** The history branch of {@link findStageDurations} as one SQL aggregate (PostgreSQL). */
async function historyStays(db: Kysely<Database>, scope: DealScope, stages: readonly string[]): Promise<StageDurationRow[]> {
  const asOf = sql.lit(scope.asOf)
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

/**
 * Stays known without stage history (see {@link findStageDurations}), of every deal in scope or,
 * with `withoutHistoryOnly`, of the deals that have no `stage_history` row.
 */
async function stageAtCloseStays(
  db: Kysely<Database>,
  scope: DealScope,
  stages: readonly string[],
  withoutHistoryOnly: boolean,
): Promise<StageDurationRow[]> {
  const asOf = sql.lit(scope.asOf)
  const noHistory = withoutHistoryOnly
    ? sql<boolean>`not exists (select 1 from stage_history sh where sh.deal_id = deals.deal_id)`
    : sql<boolean>`1 = 1`
  const openNow = sql<boolean>`(closed_date is null or closed_date > ${scope.asOf})`
  const open = await db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where(noHistory)
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
    .where(noHistory)
    .where('outcome', '=', 'lost')
    .where('closed_date', '<=', scope.asOf)
    .where('stage_entered_date', 'is not', null)
    // Entered after the close (like a stay ending before it starts): how long it lasted is not known.
    .where(sql<boolean>`substr(stage_entered_date, 1, 10) <= substr(closed_date, 1, 10)`)
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

/** Deals (by rowid) read per query in {@link stayDurationsBySqliteChunks}. */
const CHUNK = 20_000

/**
 * The history branch of {@link findStageDurations} on SQLite, with the same result as the SQL
 * aggregate PostgreSQL runs: SQLite can only group by sorting, and sorting millions of stays by
 * their length took seconds. Instead the stays of each 20,000 deals (by rowid) come back as one
 * JSON text (stage, entered at, end as `stayEndSql` defines it) and are added up here by stage
 * and length, with the same rules: a stay ending before it starts is skipped; one ended on or
 * before "as of" is complete, any other is censored at its length so far.
 */
async function stayDurationsBySqliteChunks(db: Kysely<Database>, scope: DealScope, stages: readonly string[]): Promise<StageDurationRow[]> {
  const range = await db
    .selectFrom('deals')
    .select([sql<number | null>`min(rowid)`.as('lo'), sql<number | null>`max(rowid)`.as('hi')])
    .executeTakeFirst()
  if (!range || range.lo === null || range.hi === null) return []
  const dayCache = new Map<string, number>()
  const day = (date: string): number => {
    let n = dayCache.get(date)
    if (n === undefined) {
      n = daysBetween('1970-01-01', date)
      dayCache.set(date, n)
    }
    return n
  }
  const asOfDay = day(scope.asOf)
  const totals = new Map<string, StageDurationRow>()
  for (let from = range.lo; from <= range.hi; from += CHUNK) {
    const chunk = await db
      .selectFrom('stage_history as sh')
      .innerJoin('deals', 'deals.deal_id', 'sh.deal_id')
      .where(sql<boolean>`deals.rowid between ${from} and ${from + CHUNK - 1}`)
      .where(scopeCondition(scope))
      .where('sh.stage', 'in', [...stages])
      .where(sql<boolean>`substr(sh.entered_at, 1, 10) <= ${scope.asOf}`)
      .select(
        sql<
          string | null
        >`'[' || group_concat(json_quote(sh.stage) || ',' || json_quote(substr(sh.entered_at, 1, 10)) || ',' || json_quote(substr(${stayEndSql}, 1, 10))) || ']'`.as(
          'stays',
        ),
      )
      .executeTakeFirst()
    if (!chunk?.stays) continue
    const v = JSON.parse(chunk.stays) as Array<string | null>
    for (let i = 0; i < v.length; i += 3) {
      const stage = v[i] as string
      const entered = v[i + 1] as string
      const end = v[i + 2] as string | null
      if (end !== null && end < entered) continue
      const done = end !== null && end <= scope.asOf
      const days = Math.max(0, (done ? day(end as string) : asOfDay) - day(entered))
      const key = `${stage}\u0000${days}`
      let row = totals.get(key)
      if (!row) {
        row = { stage, days, events: 0, censored: 0 }
        totals.set(key, row)
      }
      if (done) row.events++
      else row.censored++
    }
  }
  return [...totals.values()]
}

function toRow(r: { stage: string; days: number; events: number; censored: number }): StageDurationRow {
  return { stage: r.stage, days: Math.max(0, Number(r.days)), events: Number(r.events), censored: Number(r.censored) }
}

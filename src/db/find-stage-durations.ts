import { type Kysely, sql } from 'kysely'
import { daysBetween } from '../domain/dates.js'
import { daysBetweenSql, stageEnteredSql, stayEndSql, validStaySql } from './deal-derived-sql.js'
import { type DealScope, scopeCondition } from './deal-scope.js'
import { dialectOf } from './dialect.js'
import { stagePositionSql } from './find-funnel-counts.js'
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
 * censored (as of a past day, not a deal won since, whose stage then is not on record, nor a stay
 * entered after that day), and a lost deal with a known `stage_entered_date` on or before its close gives a
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
    if (dialectOf(db) === 'sqlite') {
      const chunks = await stayDurationsBySqliteChunks(db, scope, stages)
      // The deals without history are read only when there are some (each is looked up in the history).
      return chunks.withoutHistory > 0 ? [...chunks.rows, ...(await stageAtCloseStays(db, scope, stages, true))] : chunks.rows
    }
    return [...(await historyStays(db, scope, stages)), ...(await stageAtCloseStays(db, scope, stages, true))]
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
    // Won after "as of": a won deal's stage is not the one it sat at that day (the funnel leaves it out too).
    .where('outcome', '<>', 'won')
    // Entered after "as of": that stay had not begun (like a history stay entered later, left out).
    .where(sql<boolean>`substr(${stageEnteredSql}, 1, 10) <= ${scope.asOf}`)
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
 * text and are added up here by stage and length, with the same rules: a stay ending before it
 * starts is skipped; one ended on or before "as of" is complete, any other is censored at its
 * length so far. Each stay is written as its entry day, its end day (`stayEndSql`; none while it
 * runs) and its stage's position in `stages`, with no quoting (quoting every date took a third of
 * the time): dates are stored as `YYYY-MM-DD...`, and a chunk holding any stay that does not read
 * back that way is read again as JSON text (see {@link readChunkAsJson}).
 */
async function stayDurationsBySqliteChunks(
  db: Kysely<Database>,
  scope: DealScope,
  stages: readonly string[],
): Promise<{ rows: StageDurationRow[]; withoutHistory: number }> {
  const range = await db
    .selectFrom('deals')
    .select([sql<number | null>`min(rowid)`.as('lo'), sql<number | null>`max(rowid)`.as('hi')])
    .executeTakeFirst()
  if (!range || range.lo === null || range.hi === null) return { rows: [], withoutHistory: 0 }
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
  // Keyed by stage position and length (a number: cheaper than a text key per stay).
  const totals = new Map<number, StageDurationRow>()
  const add = (position: number, entered: string, end: string | null) => {
    if (end !== null && end < entered) return
    const done = end !== null && end <= scope.asOf
    const days = Math.max(0, (done ? day(end as string) : asOfDay) - day(entered))
    const key = days * stages.length + position
    let row = totals.get(key)
    if (!row) {
      row = { stage: stages[position] as string, days, events: 0, censored: 0 }
      totals.set(key, row)
    }
    if (done) row.events++
    else row.censored++
  }
  const position = stagePositionSql(stages, sql.ref('sh.stage'))
  const counted = sql<boolean>`(substr(sh.entered_at, 1, 10) <= ${scope.asOf} and sh.stage in (${sql.join([...stages])}))`
  let withoutHistory = 0
  for (let from = range.lo; from <= range.hi; from += CHUNK) {
    // Every deal of the chunk with its stays, or once with none (no history at all): the stays in
    // the open stages entered by "as of" as `position:entered end`, the end `-` while the stay runs
    // (the end is written once: each mention is evaluated).
    const chunk = await db
      .selectFrom('deals')
      .leftJoin('stage_history as sh', 'sh.deal_id', 'deals.deal_id')
      .where(sql<boolean>`deals.rowid between ${from} and ${from + CHUNK - 1}`)
      .where(scopeCondition(scope))
      .select([
        sql<
          string | null
        >`group_concat(case when ${counted} then ${position} || ':' || substr(sh.entered_at, 1, 10) || ifnull(substr(${stayEndSql}, 1, 10), '-') end, ',')`.as(
          'stays',
        ),
        sql<number>`coalesce(sum(case when ${counted} then 1 else 0 end), 0)`.as('n'),
        sql<number>`coalesce(sum(case when sh.deal_id is null then 1 else 0 end), 0)`.as('withoutHistory'),
      ])
      .executeTakeFirst()
    withoutHistory += Number(chunk?.withoutHistory ?? 0)
    if (!chunk?.stays) continue
    const stays = readCompactStays(chunk.stays, Number(chunk.n), stages.length)
    if (stays === null) {
      for (const [at, entered, end] of await readChunkAsJson(chunkQuery(db, scope, stages, from), stages)) add(at, entered, end)
      continue
    }
    for (let i = 0; i < stays.length; i += 3) add(stays[i] as number, stays[i + 1] as string, stays[i + 2] as string | null)
  }
  return { rows: [...totals.values()], withoutHistory }
}

// The stays of the deals with rowids from `from` in scope, entered by "as of", in the open `stages`.
function chunkQuery(db: Kysely<Database>, scope: DealScope, stages: readonly string[], from: number) {
  return db
    .selectFrom('stage_history as sh')
    .innerJoin('deals', 'deals.deal_id', 'sh.deal_id')
    .where(sql<boolean>`deals.rowid between ${from} and ${from + CHUNK - 1}`)
    .where(scopeCondition(scope))
    .where('sh.stage', 'in', [...stages])
    .where(sql<boolean>`substr(sh.entered_at, 1, 10) <= ${scope.asOf}`)
}

const DASH = 45

// `YYYY-MM-DD` by its length and dashes (stored dates are written so; anything else sends the chunk to JSON).
function isDay(text: string): boolean {
  return text.length === 10 && text.charCodeAt(4) === DASH && text.charCodeAt(7) === DASH
}

/**
 * The stays of one chunk from `position:entered end` texts joined by commas (the end `-` while
 * the stay runs), as a flat list of position, entry day and end day (null while running); null
 * when any stay does not read back so (`n` stays expected, positions below `stageCount`).
 */
function readCompactStays(text: string, n: number, stageCount: number): Array<number | string | null> | null {
  const parts = text.split(',')
  if (parts.length !== n) return null
  const out: Array<number | string | null> = new Array(n * 3)
  for (let i = 0; i < n; i++) {
    const s = parts[i] as string
    const colon = s.indexOf(':')
    const position = colon > 0 ? Number(s.slice(0, colon)) : Number.NaN
    if (!Number.isInteger(position) || position < 0 || position >= stageCount) return null
    const entered = s.slice(colon + 1, colon + 11)
    const end = s.slice(colon + 11)
    if (!isDay(entered) || (end !== '-' && !isDay(end))) return null
    out[i * 3] = position
    out[i * 3 + 1] = entered
    out[i * 3 + 2] = end === '-' ? null : end
  }
  return out
}

/** A chunk's stays as JSON text (any stage and date text reads back), as position, entry day and end day. */
async function readChunkAsJson(
  chunkScope: ReturnType<typeof chunkQuery>,
  stages: readonly string[],
): Promise<Array<[number, string, string | null]>> {
  const chunk = await chunkScope
    .select(
      sql<
        string | null
      >`'[' || group_concat(json_quote(sh.stage) || ',' || json_quote(substr(sh.entered_at, 1, 10)) || ',' || json_quote(substr(${stayEndSql}, 1, 10))) || ']'`.as(
        'stays',
      ),
    )
    .executeTakeFirst()
  if (!chunk?.stays) return []
  const v = JSON.parse(chunk.stays) as Array<string | null>
  const out: Array<[number, string, string | null]> = []
  for (let i = 0; i < v.length; i += 3) out.push([stages.indexOf(v[i] as string), v[i + 1] as string, v[i + 2] ?? null])
  return out
}

function toRow(r: { stage: string; days: number; events: number; censored: number }): StageDurationRow {
  return { stage: r.stage, days: Math.max(0, Number(r.days)), events: Number(r.events), censored: Number(r.censored) }
}

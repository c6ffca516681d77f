import { type Kysely, type RawBuilder, sql } from 'kysely'
import { addDays } from '../domain/dates.js'
import type { IdleFrom } from '../domain/deal-derived.js'
import { dialectOf } from './dialect.js'

/**
 * SQL counterparts of `src/domain/deal-derived.ts`, for aggregates that must not load deals into
 * JavaScript. Each expression reads the unqualified `deals` columns and agrees with its domain
 * function (test/db/deal-derived-sql.test.ts checks the edge cases). Dates are `YYYY-MM-DD` text,
 * so comparisons with cut-off dates are plain string comparisons (and use indexes).
 */

/** `column`, but the created date when it is before it (null stays null): `lastActivityOf`'s floor. */
function notBeforeCreatedSql(column: RawBuilder<string | null>): RawBuilder<string | null> {
  return sql<string | null>`(case when ${column} < created_date then created_date else ${column} end)`
}

const activityNotBeforeCreated = notBeforeCreatedSql(sql`last_activity_date`)
const updateNotBeforeCreated = notBeforeCreatedSql(sql`updated_date`)

/** `lastActivityOf`: last activity, else last update, else stage entry, else creation (none before creation). */
export const lastActivitySql: RawBuilder<string> = sql<string>`coalesce(${activityNotBeforeCreated}, ${updateNotBeforeCreated}, ${notBeforeCreatedSql(sql`stage_entered_date`)}, created_date)`

/**
 * {@link lastActivitySql} as of `asOf` for a deal open then: with no activity or update date, the
 * stand-in is the day the deal entered the stage it was in on `asOf` ({@link stageEnteredOnSql}),
 * so a deal that has moved on since counts from its stay that day, not from its later stage.
 * The same as `lastActivitySql` for deals still in the stage they were in then.
 */
export function lastActivityOnSql(asOf: string): RawBuilder<string> {
  return sql<string>`coalesce(${activityNotBeforeCreated}, ${updateNotBeforeCreated}, ${notBeforeCreatedSql(stageEnteredOnSql(asOf))})`
}

/**
 * `idleFromOf`: which date `lastActivitySql` takes (`activity`, `update`, `stage` or `created`; an
 * update or stage entry before the created date is `created`, as the days run from the creation).
 */
export const idleFromSql: RawBuilder<IdleFrom> = sql<IdleFrom>`(case when last_activity_date is not null then 'activity' when updated_date is not null then (case when updated_date < created_date then 'created' else 'update' end) when stage_entered_date >= created_date then 'stage' else 'created' end)`

/** The latest of last activity and last update (null when neither is known; none before creation). */
const lastTouchSql = notBeforeCreatedSql(
  sql`(case when last_activity_date is null then updated_date when updated_date is null then last_activity_date when last_activity_date > updated_date then last_activity_date else updated_date end)`,
)

/** The date an open deal's staleness gap starts from (`isStale`, open branch). */
export const openStaleFromSql: RawBuilder<string> = sql<string>`coalesce(${lastTouchSql}, ${notBeforeCreatedSql(sql`stage_entered_date`)}, created_date)`

/**
 * The date a deal open on `asOf` has its staleness gap start from (`isStale`, open branch): its
 * last touch, else (as {@link lastActivityOnSql}) the day it entered the stage it was in then.
 */
export function openStaleFromOnSql(asOf: string): RawBuilder<string> {
  return sql<string>`coalesce(${lastTouchSql}, ${notBeforeCreatedSql(stageEnteredOnSql(asOf))})`
}

/** The last touch strictly before the close (`isStale`, closed branch; none before creation); null when none. */
export const closedLastTouchSql: RawBuilder<string | null> = sql<string | null>`(case
  when ${activityNotBeforeCreated} < closed_date and (updated_date is null or ${updateNotBeforeCreated} >= closed_date or ${activityNotBeforeCreated} > ${updateNotBeforeCreated}) then ${activityNotBeforeCreated}
  when ${updateNotBeforeCreated} < closed_date then ${updateNotBeforeCreated}
  else null end)`

/** `stageLostAt`: the stage a lost deal was lost at; null for other deals. */
export const stageLostAtSql: RawBuilder<string | null> = sql<
  string | null
>`(case when outcome = 'lost' then coalesce(lost_at_stage, stage) else null end)`

/** The day an open deal entered its current stage (`daysInCurrentStage`'s start). */
export const stageEnteredSql: RawBuilder<string> = sql<string>`coalesce(stage_entered_date, created_date)`

/**
 * A deal open on `asOf`, with the `created_date <= asOf` of the report scope: open now, or closed
 * (won or lost) after that day.
 */
export function openOnSql(asOf: string): RawBuilder<boolean> {
  return sql<boolean>`(outcome = 'open' or (outcome in ('won', 'lost') and closed_date > ${asOf}))`
}

/**
 * The deals a stalled or stale count reads: those open on `asOf` ({@link openOnSql}) when
 * `onAsOf` (a past "as of" counting the deals closed since), else those open now.
 */
export function openDealsSql(asOf: string, onAsOf: boolean | undefined): RawBuilder<boolean> {
  return onAsOf ? openOnSql(asOf) : sql<boolean>`outcome = 'open'`
}

// The latest stay of the deal entered by the end of `asOf` in its stage history (a CRM's stays are
// entered at an instant: one entered during that day counts), as its stage or the day it was entered.
// Of stays entered at the same time (a CSV history dates a day, not an instant), the one still
// running, else the one left last: the others were passed through on the way to it.
function stayOnSql(asOf: string, column: 'stage' | 'entered_at'): RawBuilder<string | null> {
  const value = column === 'stage' ? sql`sh.stage` : sql`substr(sh.entered_at, 1, 10)`
  return sql<string | null>`(select ${value} from stage_history sh where sh.deal_id = deals.deal_id and sh.entered_at < ${addDays(asOf, 1)}
    order by sh.entered_at desc, case when sh.left_at is null then 1 else 0 end desc, sh.left_at desc limit 1)`
}

/**
 * A deal's stage on `asOf` for a deal open then ({@link openOnSql}): an open deal's current stage
 * when it entered it by then; else (it moved since, or closed since) its stay on that day in the
 * stage history, else the stage it was lost at (or its current stage); null for a deal won since
 * with no stay by then, whose stage is not known (a won deal's `deal_stage` says nothing about
 * where it was that day, as the funnel reads it). The history is read only for those deals.
 */
export function stageOnSql(asOf: string): RawBuilder<string | null> {
  return sql<
    string | null
  >`(case when outcome = 'open' and ${stageEnteredSql} <= ${asOf} then stage else coalesce(${stayOnSql(asOf, 'stage')}, case when outcome = 'won' then null else coalesce(lost_at_stage, stage) end) end)`
}

/** The day a deal open on `asOf` entered its {@link stageOnSql} stage (as `stageEnteredSql`, or its stay's entry in the history). */
export function stageEnteredOnSql(asOf: string): RawBuilder<string> {
  return sql<string>`(case when outcome = 'open' and ${stageEnteredSql} <= ${asOf} then ${stageEnteredSql} else coalesce(${stayOnSql(asOf, 'entered_at')}, ${stageEnteredSql}) end)`
}

/**
 * Whole days from `from` to `to` (dates or ISO date-times, only the date part counts), in the
 * store's dialect: `julianday` on SQLite, date subtraction on Postgres.
 */
export function daysBetweenSql<DB>(
  db: Kysely<DB>,
  from: RawBuilder<unknown> | string,
  to: RawBuilder<unknown> | string,
): RawBuilder<number> {
  const a = typeof from === 'string' ? sql.ref(from) : from
  const b = typeof to === 'string' ? sql.ref(to) : to
  return dialectOf(db as unknown as Kysely<unknown>) === 'postgres'
    ? sql<number>`(cast(substr(${b}, 1, 10) as date) - cast(substr(${a}, 1, 10) as date))`
    : sql<number>`cast(round(julianday(substr(${b}, 1, 10)) - julianday(substr(${a}, 1, 10))) as integer)`
}

/**
 * On a `stage_history` row `sh` joined to (or correlated with) `deals`: when the stay ended. A
 * closed deal's stays end at the latest at its close (a stay still open, or left after the close,
 * ends there); an open deal's running stay has no end (null).
 */
export const stayEndSql: RawBuilder<string | null> = sql<
  string | null
>`(case when deals.outcome <> 'open' and (sh.left_at is null or substr(sh.left_at, 1, 10) > deals.closed_date) then deals.closed_date else sh.left_at end)`

/** False for a stay that ends ({@link stayEndSql}) before it starts: bad data that every report skips. */
export const validStaySql: RawBuilder<boolean> = sql<boolean>`(${stayEndSql} is null or substr(${stayEndSql}, 1, 10) >= substr(sh.entered_at, 1, 10))`

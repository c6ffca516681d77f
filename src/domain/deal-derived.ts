import { daysBetween } from './dates.js'
import type { Outcome } from './normalized-deal.js'

/** The fields of a stored deal that the derived facts are computed from. Dates `YYYY-MM-DD`. */
export interface DealDates {
  outcome: Outcome
  created_date: string
  closed_date: string | null
  stage: string
  stage_entered_date: string | null
  lost_at_stage: string | null
  last_activity_date: string | null
  updated_date: string | null
}

/** Thresholds from the configuration (`PULSE_ALERT_AMOUNT`, `PULSE_IDLE_DAYS`, `PULSE_STALE_DAYS`). */
export interface StallRules {
  alertAmount: number
  idleDays: number
  staleDays: number
}

/**
 * The date of a deal's last known activity: `last_activity_date`, else the last record update,
 * else the day it entered its stage, else the day it was created. (A CSV without activity
 * columns still gets a figure, which reports say is a stand-in (`idleFromOf`): the last update
 * bounds the quiet spell from below, the stage entry and the creation from above.) A date before
 * the deal was created (one carried over from another system) counts as the created date: the
 * creation is the latest known touch then, and no deal is idle longer than it has existed.
 * @example lastActivityOf({ ...deal, created_date: '2024-06-01', last_activity_date: '2023-01-15' }) // '2024-06-01'
 */
export function lastActivityOf(deal: DealDates): string {
  const created = deal.created_date
  return (
    notBeforeCreated(deal.last_activity_date, created) ??
    notBeforeCreated(deal.updated_date, created) ??
    notBeforeCreated(deal.stage_entered_date, created) ??
    created
  )
}

/**
 * `date`, but `created` when it is before it (null stays null), compared as stored text: a touch
 * dated before the deal was created (carried over from another system) counts as the creation.
 * @example notBeforeCreated('2023-01-15', '2024-06-01') // '2024-06-01'
 */
export function notBeforeCreated(date: string | null, created: string): string | null {
  return date !== null && date < created ? created : date
}

/**
 * Which date {@link lastActivityOf} takes, so that days idle counted from a stand-in are said as such:
 * `activity` (a recorded last activity), `update` (none recorded: the last record update), `stage`
 * (neither: the day the deal entered its stage) or `created` (none of these, or the stand-in is
 * dated before the deal was created: the day it was created).
 */
export type IdleFrom = 'activity' | 'update' | 'stage' | 'created'

/**
 * The date {@link lastActivityOf} counts days idle from, by kind. A last update or stage entry
 * dated before the deal was created is not what the days run from (the creation is): `created`.
 * A recorded activity stays `activity` wherever it is dated, as none is recorded since.
 * @example idleFromOf({ ...deal, last_activity_date: null, updated_date: '2024-03-01' }) // 'update'
 */
export function idleFromOf(deal: DealDates): IdleFrom {
  if (deal.last_activity_date !== null) return 'activity'
  const created = deal.created_date
  if (deal.updated_date !== null) return deal.updated_date < created ? 'created' : 'update'
  return deal.stage_entered_date !== null && deal.stage_entered_date >= created ? 'stage' : 'created'
}

/** Whole days from the last activity to `asOf` (never negative); null for a closed deal. */
export function daysIdle(deal: DealDates, asOf: string): number | null {
  if (deal.outcome !== 'open') return null
  return Math.max(0, daysBetween(lastActivityOf(deal), asOf))
}

/** Days an open deal has been in its current stage as of `asOf`; null for a closed deal. */
export function daysInCurrentStage(deal: DealDates, asOf: string): number | null {
  if (deal.outcome !== 'open') return null
  return Math.max(0, daysBetween(deal.stage_entered_date ?? deal.created_date, asOf))
}

/** The last open stage a lost deal was in (design.md "stage lost at"); null otherwise. */
export function stageLostAt(deal: DealDates): string | null {
  return deal.outcome === 'lost' ? (deal.lost_at_stage ?? deal.stage) : null
}

/**
 * Stale (design.md): more than `staleDays` without an update or activity. An open deal's gap runs
 * to `asOf` (from no date before its creation, as {@link lastActivityOf}); a closed deal's is the gap before it closed, and needs a known touch date
 * (a closed deal with no activity or update date is not called stale).
 */
export function isStale(deal: DealDates, asOf: string, staleDays: number): boolean {
  if (deal.outcome === 'open')
    return (
      daysBetween(lastTouchOf(deal) ?? notBeforeCreated(deal.stage_entered_date, deal.created_date) ?? deal.created_date, asOf) > staleDays
    )
  const closed = deal.closed_date ?? asOf
  const touch = lastTouchBefore(deal, closed)
  return touch !== null && daysBetween(touch, closed) > staleDays
}

/**
 * Stalled (design.md): open, amount >= alert amount, idle >= idle limit.
 */
export function isStalled(deal: DealDates & { amount: number }, asOf: string, rules: StallRules): boolean {
  const idle = daysIdle(deal, asOf)
  return idle !== null && deal.amount >= rules.alertAmount && idle >= rules.idleDays
}

function lastTouchOf(deal: DealDates): string | null {
  const a = notBeforeCreated(deal.last_activity_date, deal.created_date)
  const u = notBeforeCreated(deal.updated_date, deal.created_date)
  if (a === null) return u
  if (u === null) return a
  return a > u ? a : u
}

// The close itself usually updates the record, so only touches strictly before it count (none before creation).
function lastTouchBefore(deal: DealDates, closed: string): string | null {
  const created = deal.created_date
  const candidates = [notBeforeCreated(deal.last_activity_date, created), notBeforeCreated(deal.updated_date, created)].filter(
    (d): d is string => d !== null && d < closed,
  )
  return candidates.length === 0 ? null : candidates.reduce((a, b) => (a > b ? a : b))
}

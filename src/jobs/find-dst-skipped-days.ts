import cron from 'node-cron'
import { zoneOffsetMs } from '../domain/dates.js'

/** A day on which a schedule does not run at all: every time it names that day is one the clocks skip. */
export interface DstSkippedDay {
  /** The local date, `YYYY-MM-DD`. */
  date: string
  /** The first local time the schedule names that day, `HH:MM`, which does not exist there. */
  at: string
  /** The skipped stretch of the wall clock, `HH:MM-HH:MM`. */
  gap: string
}

type Fields = ReturnType<typeof cron.parse>

const MINUTE_MS = 60_000
const QUARTER_HOUR_MS = 900_000
const DAY_MS = 86_400_000

/**
 * The days within `days` after `from` on which the cron `expression` (node-cron syntax, read on the
 * wall clock of `timeZone`) would not run at all, because every time it names that day falls in
 * the stretch the clocks skip when they go forward (say `30 2 * * *` in America/New_York on the
 * second Sunday of March): node-cron fires only on wall-clock times that exist. A schedule that
 * also names a time that exists that day (every 5 minutes, every 4 hours) loses no day.
 */
export function findDstSkippedDays(expression: string, timeZone: string, from: Date, days = 366): DstSkippedDay[] {
  if (timeZone === 'UTC') return []
  const fields = cron.parse(expression)
  const out: DstSkippedDay[] = []
  const start = Math.floor(from.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS
  for (let day = 0; day < days; day++) {
    const a = start + day * DAY_MS
    const before = zoneOffsetMs(a, timeZone)
    const after = zoneOffsetMs(a + DAY_MS, timeZone)
    if (after <= before) continue
    // Clocks change on a quarter hour: find the first one on the new offset.
    let lo = a
    let hi = a + DAY_MS
    while (hi - lo > QUARTER_HOUR_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / QUARTER_HOUR_MS) * QUARTER_HOUR_MS
      if (zoneOffsetMs(mid, timeZone) === before) lo = mid
      else hi = mid
    }
    // Wall-clock times as UTC-based milliseconds: the skipped ones are [hi + before, hi + after).
    const gapStart = hi + before
    const gapEnd = hi + after
    const skipped = skippedDay(fields, gapStart, gapEnd)
    if (skipped) out.push(skipped)
  }
  return out
}

/** The day holding the gap [gapStart, gapEnd) (wall-clock milliseconds) when the schedule names times that day and all fall in it. */
function skippedDay(fields: Fields, gapStart: number, gapEnd: number): DstSkippedDay | undefined {
  const dayStart = Math.floor(gapStart / DAY_MS) * DAY_MS
  let first: number | undefined
  for (let wall = dayStart; wall < dayStart + DAY_MS; wall += MINUTE_MS) {
    if (!matches(fields, new Date(wall))) continue
    if (wall < gapStart || wall >= gapEnd) return undefined
    first ??= wall
  }
  if (first === undefined) return undefined
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16)
  return { date: new Date(dayStart).toISOString().slice(0, 10), at: hhmm(first), gap: `${hhmm(gapStart)}-${hhmm(gapEnd)}` }
}

/** Whether the schedule names the wall-clock minute `t` (read through its UTC fields). Special day values (`L`) count as matching. */
function matches(fields: Fields, t: Date): boolean {
  const weekday = t.getUTCDay()
  return (
    fields.minute.includes(t.getUTCMinutes()) &&
    fields.hour.includes(t.getUTCHours()) &&
    fields.month.includes(t.getUTCMonth() + 1) &&
    (fields.dayOfMonth.includes(t.getUTCDate()) || fields.dayOfMonth.some((d) => typeof d === 'string')) &&
    (fields.dayOfWeek.includes(weekday) ||
      (weekday === 0 && fields.dayOfWeek.includes(7)) ||
      fields.dayOfWeek.some((d) => typeof d === 'string'))
  )
}

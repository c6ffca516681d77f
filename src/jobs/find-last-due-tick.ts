import cron from 'node-cron'
import { zoneOffsetMs } from '../domain/dates.js'

const MINUTE_MS = 60_000

/**
 * The latest instant at or before `before`, and no more than `lookbackMs` before it, that the
 * cron `expression` (node-cron syntax, a leading seconds field allowed, read on the wall clock of
 * the IANA `timeZone`) names: the most recent tick a scheduler running all along would have
 * fired. Null when there is none in that stretch. Special day values (`L`) never match, so such a
 * schedule has no due tick here.
 * @example findLastDueTick('0 9 * * 1-5', 'UTC', new Date('2026-11-27T09:20:00Z'), 86_400_000) // 2026-11-27T09:00:00.000Z
 */
export function findLastDueTick(expression: string, timeZone: string, before: Date, lookbackMs: number): Date | null {
  const fields = cron.parse(expression)
  const seconds = [...fields.second].sort((a, b) => b - a)
  const end = before.getTime()
  const earliest = end - lookbackMs
  for (let minute = Math.floor(end / MINUTE_MS) * MINUTE_MS; minute + MINUTE_MS > earliest; minute -= MINUTE_MS) {
    // The wall-clock minute, read through its UTC fields.
    const wall = new Date(minute + zoneOffsetMs(minute, timeZone))
    const weekday = wall.getUTCDay()
    const matches =
      fields.minute.includes(wall.getUTCMinutes()) &&
      fields.hour.includes(wall.getUTCHours()) &&
      fields.month.includes(wall.getUTCMonth() + 1) &&
      fields.dayOfMonth.includes(wall.getUTCDate()) &&
      (fields.dayOfWeek.includes(weekday) || (weekday === 0 && fields.dayOfWeek.includes(7)))
    if (!matches) continue
    for (const second of seconds) {
      const tick = minute + second * 1000
      if (tick <= end && tick >= earliest) return new Date(tick)
    }
  }
  return null
}

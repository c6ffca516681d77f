import cron from 'node-cron'
import { zoneOffsetMs } from '../domain/dates.js'

const MINUTE_MS = 60_000

/**
 * The latest instant at or before `before`, and no more than `lookbackMs` before it, that the
 * cron `expression` (node-cron syntax, a leading seconds field allowed, read on the wall clock of
 * the IANA `timeZone`) names: the most recent tick a scheduler running all along would have
 * fired. A wall-clock time the clocks pass twice (when they go back) is a tick at only the one of
 * its two instants node-cron fires at (see {@link cronInstantOfWall}). Null when there is none in that stretch. Special day values (`L`) never match, so such a
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
      if (tick > end || tick < earliest) continue
      // The other pass of a repeated wall-clock time: node-cron never fires there.
      if (cronInstantOfWall(wall.getTime() + second * 1000, timeZone) !== tick) continue
      return new Date(tick)
    }
  }
  return null
}

/**
 * The instant at which node-cron fires for the wall-clock time `wall` (milliseconds, read through
 * their UTC fields) of `timeZone`: node-cron 4's choice, mirrored. For a time the clocks pass twice
 * when they go back, that is one of the two instants, not always the first: it reads the offset at
 * `wall` taken as UTC, so west of Greenwich the earlier pass (01:30 EDT in America/New_York), east
 * of it the later one (02:30 CET in Europe/Berlin).
 * @example cronInstantOfWall(Date.parse('2026-10-25T02:30:00Z'), 'Europe/Berlin') // Date.parse('2026-10-25T01:30:00Z')
 */
function cronInstantOfWall(wall: number, timeZone: string): number {
  const first = zoneOffsetMs(wall, timeZone)
  const candidate = wall - first
  const second = zoneOffsetMs(candidate, timeZone)
  if (second === first) return candidate
  const other = wall - second
  return zoneOffsetMs(other, timeZone) === second ? other : Math.max(candidate, other)
}

import { describe, expect, it } from 'vitest'
import { findLastDueTick } from '../../src/jobs/find-last-due-tick.js'

const DAY = 86_400_000

describe('findLastDueTick', () => {
  it('finds the latest weekday 09:00 on the wall clock of the time zone', () => {
    // Friday 09:20 in Berlin (UTC+1 in November) is 08:20 UTC.
    expect(findLastDueTick('0 9 * * 1-5', 'Europe/Berlin', new Date('2026-11-27T08:20:00Z'), DAY)?.toISOString()).toBe(
      '2026-11-27T08:00:00.000Z',
    )
    // Monday 08:00 UTC: the last one was Friday's, three days back.
    expect(findLastDueTick('0 9 * * 1-5', 'UTC', new Date('2026-11-30T08:00:00Z'), 4 * DAY)?.toISOString()).toBe('2026-11-27T09:00:00.000Z')
  })

  it('counts a tick at the instant itself, honours a seconds field, and finds none outside the look-back', () => {
    expect(findLastDueTick('0 */4 * * *', 'UTC', new Date('2026-11-27T08:00:00Z'), DAY)?.toISOString()).toBe('2026-11-27T08:00:00.000Z')
    expect(findLastDueTick('15,45 0 9 * * *', 'UTC', new Date('2026-11-27T09:00:30Z'), DAY)?.toISOString()).toBe('2026-11-27T09:00:15.000Z')
    expect(findLastDueTick('0 3 * * 1', 'UTC', new Date('2026-11-27T09:00:00Z'), DAY)).toBeNull()
    expect(findLastDueTick('0 3 * * 1', 'UTC', new Date('2026-11-27T09:00:00Z'), 8 * DAY)?.toISOString()).toBe('2026-11-23T03:00:00.000Z')
  })

  it('reads a Sunday written as 7, and gives no tick for a special day value', () => {
    expect(findLastDueTick('0 3 * * 7', 'UTC', new Date('2026-11-27T09:00:00Z'), 8 * DAY)?.toISOString()).toBe('2026-11-22T03:00:00.000Z')
    expect(findLastDueTick('0 3 L * *', 'UTC', new Date('2026-11-27T09:00:00Z'), 8 * DAY)).toBeNull()
  })

  it('scans a week of minutes in a New York time zone quickly', () => {
    const t = performance.now()
    expect(findLastDueTick('0 0 1 1 *', 'America/New_York', new Date('2026-11-27T09:00:00Z'), 8 * DAY)).toBeNull()
    expect(performance.now() - t).toBeLessThan(1000)
  })
})

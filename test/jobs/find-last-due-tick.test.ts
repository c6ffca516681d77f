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

  it('counts a wall-clock time the clocks pass twice only at the instant node-cron fires it', () => {
    // 01:30 on 1 November 2026 in New York comes at 05:30 UTC (EDT) and again at 06:30 UTC (EST);
    // node-cron fires at the first only, so at 07:00 UTC the last tick is 05:30, not 06:30.
    expect(findLastDueTick('30 1 * * *', 'America/New_York', new Date('2026-11-01T07:00:00Z'), DAY)?.toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    )
    // 02:30 on 25 October 2026 in Berlin comes at 00:30 UTC (CEST) and 01:30 UTC (CET); node-cron
    // fires at the second only, so at 01:00 UTC that day's tick has not come yet.
    expect(findLastDueTick('30 2 * * *', 'Europe/Berlin', new Date('2026-10-25T01:00:00Z'), 2 * DAY)?.toISOString()).toBe(
      '2026-10-24T00:30:00.000Z',
    )
    expect(findLastDueTick('30 2 * * *', 'Europe/Berlin', new Date('2026-10-25T01:40:00Z'), DAY)?.toISOString()).toBe(
      '2026-10-25T01:30:00.000Z',
    )
    // An hourly schedule: node-cron fires 01:00 EDT (05:00 UTC), not 01:00 EST (06:00 UTC).
    expect(findLastDueTick('0 * * * *', 'America/New_York', new Date('2026-11-01T06:30:00Z'), DAY)?.toISOString()).toBe(
      '2026-11-01T05:00:00.000Z',
    )
  })

  it('scans a week of minutes in a New York time zone quickly', () => {
    const t = performance.now()
    expect(findLastDueTick('0 0 1 1 *', 'America/New_York', new Date('2026-11-27T09:00:00Z'), 8 * DAY)).toBeNull()
    expect(performance.now() - t).toBeLessThan(1000)
  })
})

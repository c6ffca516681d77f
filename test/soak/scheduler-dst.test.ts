import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import type { Scheduler } from '../../src/jobs/start-scheduler.js'
import { openTestStore } from '../helpers/test-store.js'
import { startDailyAlerts } from './start-daily-alerts.js'

// A 09:00 daily job across the days the clocks change, with the clock faked (Date and timers).

let store: Store | undefined
let scheduler: Scheduler | undefined
afterEach(async () => {
  await scheduler?.stop()
  await store?.close()
  scheduler = undefined
  store = undefined
  vi.useRealTimers()
})

async function runsOfNineOClock(timezone: string, fromUtc: string, days: number): Promise<string[]> {
  store = await openTestStore()
  vi.useFakeTimers({ now: new Date(fromUtc), toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
  const runs: string[] = []
  scheduler = startDailyAlerts(store, timezone, async () => void runs.push(new Date().toISOString()))
  for (let h = 0; h < days * 24; h++) await vi.advanceTimersByTimeAsync(60 * 60_000)
  return runs
}

describe('a daily 09:00 job on the days the clocks change', () => {
  it('runs once at 09:00 Berlin time when summer time starts and ends', async () => {
    expect(await runsOfNineOClock('Europe/Berlin', '2027-03-27T00:00:00Z', 3)).toEqual([
      '2027-03-27T08:00:00.000Z',
      '2027-03-28T07:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
    ])
    await scheduler?.stop()
    await store?.close()
    expect(await runsOfNineOClock('Europe/Berlin', '2027-10-30T00:00:00Z', 3)).toEqual([
      '2027-10-30T07:00:00.000Z',
      '2027-10-31T08:00:00.000Z',
      '2027-11-01T08:00:00.000Z',
    ])
  })

  it('runs once at 09:00 New York time when daylight saving starts and ends', async () => {
    expect(await runsOfNineOClock('America/New_York', '2027-03-13T05:00:00Z', 3)).toEqual([
      '2027-03-13T14:00:00.000Z',
      '2027-03-14T13:00:00.000Z',
      '2027-03-15T13:00:00.000Z',
    ])
    await scheduler?.stop()
    await store?.close()
    expect(await runsOfNineOClock('America/New_York', '2027-11-06T04:00:00Z', 3)).toEqual([
      '2027-11-06T13:00:00.000Z',
      '2027-11-07T14:00:00.000Z',
      '2027-11-08T14:00:00.000Z',
    ])
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { findRecentJobRuns } from '../../src/db/begin-job-run.js'
import type { Store } from '../../src/db/open-store.js'
import type { Scheduler } from '../../src/jobs/start-scheduler.js'
import { openTestStore } from '../helpers/test-store.js'
import { startDailyAlerts } from './start-daily-alerts.js'

// A tick that fires late, because the process was busy (a long synchronous render or training
// step) or paused when the slot came, still runs the job, once.

let store: Store | undefined
let scheduler: Scheduler | undefined
// Lets a job body that waits go, so that the scheduler can stop.
let finish: () => void = () => undefined
afterEach(async () => {
  finish()
  await scheduler?.stop()
  await store?.close()
  scheduler = undefined
  store = undefined
  vi.useRealTimers()
})

async function start(runs: string[], stalledAlerts?: () => Promise<void>): Promise<void> {
  // The clock is faked from 08:59 Berlin time (06:59 UTC) on, before the scheduler reads it.
  vi.useFakeTimers({
    now: new Date('2027-05-03T06:59:00Z'),
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
  })
  store = await openTestStore()
  scheduler = startDailyAlerts(store, 'Europe/Berlin', stalledAlerts ?? (async () => void runs.push(new Date().toISOString())))
}

describe('a scheduled tick that fires late', () => {
  it('still runs the daily job when the event loop was blocked for seconds across 09:00', async () => {
    const runs: string[] = []
    await start(runs)
    await vi.advanceTimersByTimeAsync(59_000)
    // 08:59:59 local: the clock moves on 5 s while no timer can fire (a blocked event loop).
    vi.setSystemTime(new Date('2027-05-03T07:00:04Z'))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(runs).toHaveLength(1)
    expect(runs[0]?.startsWith('2027-05-03T07:00:0')).toBe(true)
    // The next day runs on time, once.
    await vi.advanceTimersByTimeAsync(24 * 60 * 60_000)
    expect(runs).toEqual([runs[0], '2027-05-04T07:00:00.000Z'])
  })

  it('records a tick it could not run at all (the process was paused past the next slot) as skipped', async () => {
    const runs: string[] = []
    await start(runs)
    await vi.advanceTimersByTimeAsync(59_000)
    // Paused (a suspended VM) from 08:59:59 until after the next day's slot: only that one runs.
    vi.setSystemTime(new Date('2027-05-04T07:00:02Z'))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(runs).toHaveLength(1)
    const skipped = (await findRecentJobRuns((store as Store).db, 10)).filter((r) => r.status === 'skipped')
    expect(skipped).toHaveLength(1)
    expect(skipped[0]?.job).toBe('stalled-alerts')
    expect(skipped[0]?.error).toContain('2027-05-03T07:00:00.000Z')
  })

  it('records a tick that came while the previous run was still going as skipped', async () => {
    const runs: string[] = []
    await start(runs, async () => {
      runs.push(new Date().toISOString())
      await new Promise<void>((resolve) => {
        finish = resolve
      })
    })
    // 09:00 starts a run that is still going at 09:00 the next day.
    await vi.advanceTimersByTimeAsync(25 * 60 * 60_000)
    expect(runs).toEqual(['2027-05-03T07:00:00.000Z'])
    const skipped = (await findRecentJobRuns((store as Store).db, 10)).filter((r) => r.status === 'skipped')
    expect(skipped.map((r) => [r.job, r.error])).toEqual([
      ['stalled-alerts', 'the 2027-05-04T07:00:00.000Z tick came while the previous run of this job was still going'],
    ])
    finish()
    await vi.advanceTimersByTimeAsync(24 * 60 * 60_000)
    expect(runs).toEqual(['2027-05-03T07:00:00.000Z', '2027-05-05T07:00:00.000Z'])
  })
})

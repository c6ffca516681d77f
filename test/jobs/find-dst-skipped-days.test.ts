import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { findDstSkippedDays } from '../../src/jobs/find-dst-skipped-days.js'
import { warnOfDstSkippedDays } from '../../src/jobs/start-scheduler.js'
import { createLogger } from '../../src/log/create-logger.js'

const FROM = new Date('2026-11-26T00:00:00Z')

describe('findDstSkippedDays', () => {
  it.each([
    ['30 2 * * *', 'America/New_York', [{ date: '2027-03-14', at: '02:30', gap: '02:00-03:00' }]],
    ['30 1 * * *', 'Europe/London', [{ date: '2027-03-28', at: '01:30', gap: '01:00-02:00' }]],
    ['0 2 * * *', 'Australia/Sydney', [{ date: '2027-10-03', at: '02:00', gap: '02:00-03:00' }]],
    // Lord Howe moves its clocks by half an hour: 02:00-02:30 is skipped, 02:30 exists.
    ['15 2 * * *', 'Australia/Lord_Howe', [{ date: '2027-10-03', at: '02:15', gap: '02:00-02:30' }]],
    ['30 2 * * *', 'Australia/Lord_Howe', []],
    // 2027-03-14 is a Sunday: a weekday schedule is not due that day.
    ['15 2 * * 0', 'America/New_York', [{ date: '2027-03-14', at: '02:15', gap: '02:00-03:00' }]],
    ['15 2 * * 1-5', 'America/New_York', []],
    // Times that exist that day, or a zone without summer time.
    ['0 3 * * 1', 'America/New_York', []],
    ['*/5 * * * *', 'America/New_York', []],
    ['0 */4 * * *', 'Europe/Berlin', []],
    ['30 2 * * *', 'Asia/Kolkata', []],
    ['30 2 * * *', 'UTC', []],
  ])('%s in %s', (expression, zone, want) => {
    expect(findDstSkippedDays(expression, zone, FROM)).toEqual(want)
  })

  it('agrees with the wall clock: each day named has no such local time, each time it names that day', () => {
    const days = findDstSkippedDays('45 2 * * *', 'America/Chicago', FROM, 800)
    expect(days.map((d) => d.date)).toEqual(['2027-03-14', '2028-03-12'])
    for (const d of days) {
      // No instant that day reads 02:45 on Chicago's clocks.
      const midnight = Date.parse(`${d.date}T00:00:00Z`)
      const seen = new Set<string>()
      for (let t = midnight; t < midnight + 36 * 3_600_000; t += 15 * 60_000)
        seen.add(new Date(t).toLocaleString('sv-SE', { timeZone: 'America/Chicago' }).slice(0, 16))
      expect(seen.has(`${d.date} 02:45`)).toBe(false)
      expect(seen.has(`${d.date} 01:45`)).toBe(true)
      expect(seen.has(`${d.date} 03:45`)).toBe(true)
    }
  })
})

describe('warnOfDstSkippedDays', () => {
  it('names the variable, the days and the skipped hour, and says what to do', () => {
    const lines: string[] = []
    const logger = createLogger('info', { write: (l: string) => void lines.push(l) })
    const config = loadConfig({ PULSE_TZ: 'America/New_York', PULSE_RETRAIN_SCHEDULE: '30 2 * * 0' })
    warnOfDstSkippedDays(config, logger, FROM)
    const messages = lines.map((l) => JSON.parse(l).msg as string)
    expect(messages).toEqual([
      'PULSE_RETRAIN_SCHEDULE "30 2 * * 0" will not run on 2027-03-14: America/New_York skips 02:00-03:00 when its clocks go forward, and 02:30 falls in it. Pick a time outside 02:00-03:00.',
    ])
  })

  it('says nothing of the default schedules', () => {
    const lines: string[] = []
    const logger = createLogger('info', { write: (l: string) => void lines.push(l) })
    for (const zone of ['America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago'])
      warnOfDstSkippedDays(loadConfig({ PULSE_TZ: zone }), logger, FROM)
    expect(lines).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import {
  calendarDayProblem,
  dateInZone,
  dayNumber,
  instantInZone,
  monthRange,
  plainDayNumber,
  todayIn,
  toIsoDate,
} from '../../src/domain/dates.js'

describe('toIsoDate', () => {
  it.each([
    ['2024-03-26', '2024-03-26'],
    ['2024-03-26T10:00:00Z', '2024-03-26'],
    ['2024-03-26 10:00', '2024-03-26'],
    ['2024-03-31T23:30:00-05:00', '2024-03-31'],
    ['2024-04-01T00:30:00+02:00', '2024-04-01'],
    ['2024-04-01T00:30:00.123+0200', '2024-04-01'],
    [' 2024-02-29 ', '2024-02-29'],
  ])('reads %j as the date written, %s', (value, date) => {
    expect(toIsoDate(value)).toBe(date)
  })

  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-03-26T25:00:00Z', '2024-03-26T10:00:00+25:00x', '26/03/2024', '', 'soon'])(
    'refuses %j',
    (value) => {
      expect(toIsoDate(value)).toBeNull()
    },
  )
})

describe('toIsoDate on plain YYYY-MM-DD', () => {
  // The plain form takes a short path for days 01-28; the rest go through the calendar check.
  it('agrees with the calendar on every month and day of years around the limits', () => {
    for (const year of ['0000', '0001', '0004', '0099', '0100', '1900', '2000', '2023', '2024', '9999']) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const value = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
          // setUTCFullYear, as Date.UTC reads a year below 100 as 19xx; the calendar has no year 0.
          const utc = new Date(new Date(0).setUTCFullYear(Number(year), month - 1, day))
          const real = Number(year) >= 1 && utc.toISOString().slice(0, 10) === value
          expect(toIsoDate(value), value).toBe(real ? value : null)
        }
      }
    }
  })

  it.each(['2024-1-05', '2024/01/05', '2024-01-0a', '20240-01-05', '0000-01-01'])('refuses %j', (value) => {
    expect(toIsoDate(value)).toBeNull()
  })

  it('takes the first days of the calendar, written plainly or as a date-time', () => {
    for (const value of ['0001-01-01', '0001-01-01T00:00:00Z', '0050-02-28 10:00', '0004-02-29T23:30:00-05:00'])
      expect(toIsoDate(value), value).toBe(value.slice(0, 10))
    expect(toIsoDate('0001-02-29')).toBeNull()
  })
})

describe('calendarDayProblem', () => {
  it.each([
    ['0001-01-01', null],
    ['9999-12-31', null],
    ['2024-02-29', null],
    ['soon', 'is not a date'],
    ['2024-1-05', 'is not a date'],
    ['0000-12-31', 'is not a date: the calendar has no year 0 (years run from 0001 to 9999)'],
    ['2024-13-01', 'is not a date: months run from 01 to 12'],
    ['2023-02-29', 'is not a date: February 2023 has 28 days'],
    ['2024-04-31', 'is not a date: April 2024 has 30 days'],
  ])('says why %j is no day of the calendar: %j', (value, problem) => {
    expect(calendarDayProblem(value)).toBe(problem)
  })
})

describe('dayNumber', () => {
  it('counts days since 1970-01-01 as Date.parse does, for every day of years around the limits', () => {
    for (const year of ['0001', '0099', '0400', '1600', '1900', '1969', '1970', '2000', '2024', '2100', '9999']) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
          const expected = Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000)
          expect(dayNumber(date), date).toBe(expected)
          expect(dayNumber(`${date}T10:00:00Z`), date).toBe(expected)
        }
      }
    }
  })

  it('is NaN for text that is no date', () => {
    expect(dayNumber('soon')).toBeNaN()
    expect(dayNumber('2024-13-01')).toBeNaN()
  })
})

describe('plainDayNumber', () => {
  it('is the day number of a YYYY-MM-DD day of the calendar, and orders such dates as their texts do', () => {
    const dates = ['0099-12-31', '1969-12-31', '1970-01-01', '2024-02-28', '2024-02-29', '2024-03-01', '2024-12-31', '9999-12-31']
    for (const date of dates) {
      expect(plainDayNumber(date), date).toBe(dayNumber(date))
      expect(plainDayNumber(`${date}T23:59:00-05:00`), date).toBe(dayNumber(date))
    }
    for (const [i, a] of dates.entries()) for (const b of dates.slice(i + 1)) expect(plainDayNumber(a)).toBeLessThan(plainDayNumber(b))
  })

  it('is NaN where dayNumber reads the text with Date.parse, or not at all', () => {
    for (const odd of ['2023-02-29', '2024-04-31', '2024-1-05', '2024/01/05', '2024-13-01', 'soon', '']) {
      expect(plainDayNumber(odd), odd).toBeNaN()
    }
    expect(dayNumber('2024-04-31')).not.toBeNaN()
  })
})

describe('monthRange', () => {
  it('steps through years below 1000 with four-digit years, ending at the last month', () => {
    expect(monthRange('0999-11', '1000-02')).toEqual(['0999-11', '0999-12', '1000-01', '1000-02'])
    expect(monthRange('0001-01', '0001-03')).toEqual(['0001-01', '0001-02', '0001-03'])
  })

  it('lists the months from first to last, and none when first is later', () => {
    expect(monthRange('2024-11', '2025-02')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02'])
    expect(monthRange('2025-03', '2025-02')).toEqual([])
  })

  it('ends at the last month of year 9999 (the latest --as-of) instead of running on', () => {
    expect(monthRange('9999-11', '9999-12')).toEqual(['9999-11', '9999-12'])
  })
})

describe('todayIn', () => {
  it.each([
    ['Pacific/Auckland', '2024-07-07T21:00:00Z', '2024-07-08'],
    ['America/Los_Angeles', '2024-07-08T05:00:00Z', '2024-07-07'],
    ['Europe/Berlin', '2024-12-31T23:30:00Z', '2025-01-01'],
    ['UTC', '2024-02-29T23:59:59Z', '2024-02-29'],
  ])('in %s at %s is %s', (zone, instant, day) => {
    expect(todayIn(zone, new Date(instant))).toBe(day)
  })
})

describe('instantInZone', () => {
  const zones = ['UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Kiritimati', 'America/St_Johns']
  // Every 73 minutes over a year: both clock changes in each zone, at many times of day.
  const instants = Array.from({ length: 7_200 }, (_, i) => Date.UTC(2024, 0, 1) + i * 73 * 60_000)

  it.each(zones)('%s: the same instant, whose date is the day in that zone', (zone) => {
    for (const ms of instants) {
      const text = instantInZone(ms, zone)
      expect(Date.parse(text)).toBe(ms)
      expect(text.slice(0, 10)).toBe(dateInZone(ms, zone))
      expect(text.slice(0, 10)).toBe(new Date(ms).toLocaleDateString('en-CA', { timeZone: zone }))
    }
  })

  it('writes the wall clock and offset', () => {
    const ms = Date.parse('2024-04-01T01:30:00Z')
    expect(instantInZone(ms, 'America/Los_Angeles')).toBe('2024-03-31T18:30:00.000-07:00')
    expect(instantInZone(ms, 'Asia/Kolkata')).toBe('2024-04-01T07:00:00.000+05:30')
    expect(instantInZone(ms, 'UTC')).toBe('2024-04-01T01:30:00.000Z')
  })
})

const DAY_MS = 86_400_000
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$/

/**
 * Parses an ISO date (`2024-03-26`) or date-time (`2024-03-26T10:00:00Z`, `2024-03-31T23:30:00-05:00`,
 * offset optional, as `+hh:mm`, `+hhmm` or `+hh`; `t` and `z` in either case, as RFC 3339 allows)
 * into its calendar date `YYYY-MM-DD` as written: a deal closed late on the 31st
 * where it was recorded stays in that month, whatever the offset. Years run from 0001 to 9999
 * (the proleptic Gregorian calendar, which has no year 0). Returns null for anything else,
 * including impossible dates and times such as `2024-02-30` or `25:00`.
 */
export function toIsoDate(value: string): string | null {
  if (isPlainDay(value)) return value
  const cached = dateCache.get(value)
  if (cached !== undefined) return cached
  const result = parseIsoDate(value.trim())
  if (dateCache.size >= 100_000) dateCache.clear()
  dateCache.set(value, result)
  return result
}

/**
 * Whether `v` is `YYYY-MM-DD` naming a day of the calendar (years 0001 to 9999). Most dates of an
 * import take this path, which reads ten characters instead of hashing the text for the cache.
 */
function isPlainDay(v: string): boolean {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false
  for (const i of DIGIT_AT) {
    const c = v.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return isCalendarDay(
    digitsAt(v, 0, 4),
    (v.charCodeAt(5) - 48) * 10 + (v.charCodeAt(6) - 48),
    (v.charCodeAt(8) - 48) * 10 + (v.charCodeAt(9) - 48),
  )
}

/**
 * Whether year `y`, month `m` (1-12) and day `d` name a day of the (proleptic Gregorian) calendar,
 * years 0001 to 9999 as `YYYY` writes them: the calendar has no year 0.
 */
function isCalendarDay(y: number, m: number, d: number): boolean {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && (d <= 28 || d <= daysInMonth(y, m))
}

/** The months' full English names, January first. */
export const FULL_MONTH_NAMES: readonly string[] = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/**
 * Why `value` is no `YYYY-MM-DD` day of the calendar, as a clause that follows the value in a
 * sentence; null when it is one (years 0001 to 9999, as {@link toIsoDate} takes them).
 * @example calendarDayProblem('2023-02-29') // 'is not a date: February 2023 has 28 days'
 */
export function calendarDayProblem(value: string): string | null {
  const m = ISO_DATE.exec(value)
  if (!m) return 'is not a date'
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (y === 0) return 'is not a date: the calendar has no year 0 (years run from 0001 to 9999)'
  if (mo < 1 || mo > 12) return 'is not a date: months run from 01 to 12'
  const days = daysInMonth(y, mo)
  if (d < 1 || d > days) return `is not a date: ${FULL_MONTH_NAMES[mo - 1]} ${m[1]} has ${days} days`
  return null
}

/** Days in month `m` (1-12) of year `y` of the Gregorian calendar. */
function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9]

// Imports repeat the same few thousand dates; parsing each once keeps a 1M-row import fast.
const dateCache = new Map<string, string | null>()

function parseIsoDate(v: string): string | null {
  const m = ISO_DATE.exec(v)
  if (m) {
    // Counted from the digits: Date.UTC would read a year below 100 as 19xx.
    const [, y, mo, d] = m
    return isCalendarDay(Number(y), Number(mo), Number(d)) ? v : null
  }
  if (!ISO_DATE_TIME.test(v)) return null
  const written = isoDateTimeForParse(v)
  const t = Date.parse(hasOffset(written) ? written : `${written}Z`)
  if (Number.isNaN(t)) return null
  const date = v.slice(0, 10)
  return parseIsoDate(date) === null ? null : date
}

/**
 * An ISO date-time (as {@link toIsoDate} takes) written as `Date.parse` reads it alike on every
 * machine: `T` between date and time, upper case, an offset `+hhmm` or `+hh` as `+hh:mm`.
 * Anything else (a date, text that is no date-time) comes back as given.
 * @example isoDateTimeForParse('2024-03-31 23:30:00-05') // '2024-03-31T23:30:00-05:00'
 */
export function isoDateTimeForParse(v: string): string {
  if (!ISO_DATE_TIME.test(v)) return v
  return v
    .toUpperCase()
    .replace(' ', 'T')
    .replace(/([+-]\d{2}):?(\d{2})?$/, (_, hours: string, minutes: string | undefined) => `${hours}:${minutes ?? '00'}`)
}

/**
 * Whether a date-time written by {@link isoDateTimeForParse} names its offset (`Z`, `+hh:mm`):
 * without one, `Date.parse` would read it on the machine's own clock.
 */
export function hasOffset(written: string): boolean {
  return /(Z|[+-]\d{2}:\d{2})$/.test(written)
}

/** `YYYY-MM` of an ISO date. */
export function monthOf(isoDate: string): string {
  return isoDate.slice(0, 7)
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to.slice(0, 10)}T00:00:00Z`) - Date.parse(`${from.slice(0, 10)}T00:00:00Z`)) / DAY_MS)
}

/**
 * The day number (days since 1970-01-01) of a date's first ten characters, as {@link daysBetween}
 * counts: `Math.round(Date.parse(...T00:00:00Z) / 86,400,000)`. A `YYYY-MM-DD` that names a day of
 * the calendar is counted from its digits ({@link plainDayNumber}); anything else goes through
 * `Date.parse` (NaN for text that is no date).
 */
export function dayNumber(date: string): number {
  const n = plainDayNumber(date)
  return !Number.isNaN(n) ? n : Math.round(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / DAY_MS)
}

/**
 * The day number of a date whose first ten characters are a `YYYY-MM-DD` naming a day of the
 * calendar, counted from its digits (the civil-calendar formula, no parsing); NaN for anything
 * else. Two dates with a day number compare as their first ten characters do as text.
 * @example plainDayNumber('1970-01-02') // 1
 */
export function plainDayNumber(date: string): number {
  const y = digitsAt(date, 0, 4)
  const m = digitsAt(date, 5, 2)
  const d = digitsAt(date, 8, 2)
  if (y < 0 || m < 1 || m > 12 || d < 1 || (d > 28 && d > daysInMonth(y, m)) || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) {
    return Number.NaN
  }
  // Years counted from March, so the leap day ends a year: 400-year eras of 146,097 days.
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yearOfEra = yy - era * 400
  const dayOfYear = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** The number written with `count` decimal digits from `at`, or -1 when one of them is not a digit. */
export function digitsAt(text: string, at: number, count: number): number {
  let n = 0
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48
    if (!(c >= 0 && c <= 9)) return -1
    n = n * 10 + c
  }
  return n
}

/** `isoDate` plus `days` days. */
export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

/**
 * Today's date in the IANA time zone `timeZone` (`PULSE_TZ`) as `YYYY-MM-DD`: the day the team
 * lives in, so a 9:00 job in Auckland reports as of that Monday, not the Sunday it still is in UTC.
 * @example todayIn('Pacific/Auckland', new Date('2024-07-07T21:00:00Z')) // '2024-07-08'
 */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}-${part('day')}`
}

/** The month after `YYYY-MM`, its year written with four digits (`0999-12` is followed by `1000-01`). */
export function nextMonth(month: string): string {
  const y = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7))
  return m === 12 ? `${String(y + 1).padStart(4, '0')}-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`
}

/** Every month from `first` to `last` inclusive (`YYYY-MM`); none when `first` is later. */
export function monthRange(first: string, last: string): string[] {
  const out: string[] = []
  if (first > last) return out
  // Stops at `last` itself: the month after 9999-12 (10000-01) sorts before it as text.
  for (let m = first; ; m = nextMonth(m)) {
    out.push(m)
    if (m === last) return out
  }
}

/** Per time zone: a formatter of the wall clock, and its offset from UTC by UTC day (NaN: it changes that day). */
const zoneClocks = new Map<string, { format: Intl.DateTimeFormat; days: Map<number, number> }>()
const QUARTER_HOUR_MS = 900_000

/**
 * The calendar date (`YYYY-MM-DD`) in the IANA time zone `timeZone` of the instant `ms` (epoch
 * milliseconds): the day the people in that zone saw it happen. Each UTC day's offset is looked up
 * once (a sync converts millions of times); on a day the clocks change, the offset of the quarter
 * hour (offsets change only on one).
 * @example dateInZone(Date.parse('2024-04-01T01:30:00Z'), 'America/Los_Angeles') // '2024-03-31'
 */
export function dateInZone(ms: number, timeZone: string): string {
  if (timeZone === 'UTC') return new Date(ms).toISOString().slice(0, 10)
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 10)
}

/**
 * The instant `ms` (epoch milliseconds) as an ISO date-time on the wall clock of the IANA time
 * zone `timeZone`, with that zone's offset: the same instant, whose first ten characters are the
 * date {@link dateInZone} gives. In UTC, `Date#toISOString`'s form.
 * @example instantInZone(Date.parse('2024-04-01T01:30:00Z'), 'America/Los_Angeles') // '2024-03-31T18:30:00.000-07:00'
 */
export function instantInZone(ms: number, timeZone: string): string {
  if (timeZone === 'UTC') return new Date(ms).toISOString()
  const offset = zoneOffsetMs(ms, timeZone)
  const minutes = Math.round(Math.abs(offset) / 60_000)
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0')
  const mm = String(minutes % 60).padStart(2, '0')
  return `${new Date(ms + offset).toISOString().slice(0, 23)}${offset < 0 ? '-' : '+'}${hh}:${mm}`
}

/**
 * The instant (epoch milliseconds) at which the wall clock of the IANA time zone `timeZone` reads
 * `wall` (milliseconds, read through their UTC fields): a time the clocks pass twice when they go
 * back is its first pass; a time they skip when they go forward is read on the offset before the
 * change (02:30 in New York on the day it skips to 03:00 is 03:30 EDT).
 * @example instantOfWallClock(Date.parse('2024-03-31T18:30:00Z'), 'America/Los_Angeles') // Date.parse('2024-04-01T01:30:00Z')
 */
export function instantOfWallClock(wall: number, timeZone: string): number {
  if (timeZone === 'UTC') return wall
  // The offsets a day either side: the clocks change at most once between them.
  const before = zoneOffsetMs(wall - DAY_MS, timeZone)
  const after = zoneOffsetMs(wall + DAY_MS, timeZone)
  const passes = [wall - before, wall - after].filter((t) => t + zoneOffsetMs(t, timeZone) === wall)
  return passes.length > 0 ? Math.min(...passes) : wall - before
}

/**
 * How far the wall clock of the IANA time zone `timeZone` is ahead of UTC at the instant `ms`
 * (epoch milliseconds), in milliseconds (negative west of Greenwich).
 * @example zoneOffsetMs(Date.parse('2024-04-01T01:30:00Z'), 'America/Los_Angeles') // -25_200_000
 */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  let clock = zoneClocks.get(timeZone)
  if (clock === undefined) {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
    clock = { format, days: new Map() }
    zoneClocks.set(timeZone, clock)
  }
  const { format, days } = clock
  const offsetAt = (at: number) => {
    const parts = format.formatToParts(new Date(at))
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value)
    return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute')) - at
  }
  const day = Math.floor(ms / DAY_MS)
  let offset = days.get(day)
  if (offset === undefined) {
    const first = offsetAt(day * DAY_MS)
    offset = first === offsetAt((day + 1) * DAY_MS - QUARTER_HOUR_MS) ? first : Number.NaN
    if (days.size >= 100_000) days.clear()
    days.set(day, offset)
  }
  return Number.isNaN(offset) ? offsetAt(Math.floor(ms / QUARTER_HOUR_MS) * QUARTER_HOUR_MS) : offset
}

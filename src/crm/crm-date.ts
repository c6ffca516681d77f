import { dateInZone, hasOffset, isoDateTimeForParse, toIsoDate } from '../domain/dates.js'

const MIDNIGHT_UTC = /^\d{4}-\d{2}-\d{2}T00:00(:00(\.0+)?)?(Z|[+-]00:00)$/
/** The latest instant a JavaScript date holds (epoch milliseconds). */
const MAX_DATE_MS = 8.64e15

/**
 * A CRM date or date-time as the calendar date `YYYY-MM-DD` the team sees in its CRM, `timeZone`
 * being theirs (`PULSE_TZ`): a date (`2024-06-28`) as written; an instant (`2024-04-01T01:30:00.000Z`,
 * Salesforce's `...+0000`, epoch milliseconds as text) as its date in `timeZone`, so a deal won at
 * 18:30 on March 31 in Los Angeles closed in March (an offset as `+hh:mm`, `+hhmm` or `+hh`); exactly midnight UTC as that date (how HubSpot
 * stores a date without a time); a date-time without an offset as written. Null when it is none.
 */
export function crmDate(value: string | null | undefined, timeZone: string): string | null {
  if (value === null || value === undefined || value === '') return null
  if (value.length === 10) return toIsoDate(value)
  if (/^\d{10,}$/.test(value)) {
    const ms = Number(value)
    // Past the last day a JavaScript date holds (year 275760): no date.
    if (ms > MAX_DATE_MS) return null
    return dateInZone(ms, ms % 86_400_000 === 0 ? 'UTC' : timeZone)
  }
  // The forms CRMs send (`2024-04-01T01:30:00.000Z`, Salesforce's `...+0000`), read without the
  // general path: the date written names a real day (Date.parse would roll 02-30 over), Date.parse reads the rest.
  if (value[10] === 'T' && ((value.length === 24 && value[23] === 'Z') || (value.length === 28 && value.endsWith('+0000')))) {
    const written = toIsoDate(value.slice(0, 10))
    if (written === null || timeZone === 'UTC' || value.startsWith('T00:00:00.000', 10)) return written
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? null : dateInZone(ms, timeZone)
  }
  const v = isoDateTimeForParse(value.trim())
  // toIsoDate checks it is a date-time naming a real day before Date.parse reads it.
  const written = toIsoDate(v)
  if (written === null || !hasOffset(v) || MIDNIGHT_UTC.test(v)) return written
  return dateInZone(Date.parse(v), timeZone)
}

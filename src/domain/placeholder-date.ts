import { toIsoDate } from './dates.js'

/**
 * Whether a date as a file writes it is one that other tools write for "no date" rather than leave
 * the cell empty: MySQL's zero date (`0000-00-00`, which names no day) or the first day of the
 * calendar (`0001-01-01`, .NET's and Go's zero date, with or without a time). The latter is also a
 * real day: whether it means one is for the caller to tell from the other dates it has (see
 * `parseDealRow`). Any other old date is a date.
 * @example isPlaceholderDate('0001-01-01T00:00:00Z') // true
 * @example isPlaceholderDate('1901-03-04') // false
 */
export function isPlaceholderDate(value: string): boolean {
  const v = value.trim()
  if (!v.startsWith('000')) return false
  if (/^0000-00-00(?:$|[T ])/.test(v)) return true
  return v.startsWith('0001-01-01') && toIsoDate(v) === '0001-01-01'
}

import { MAX_WINRATE_MONTHS, type ReportFilters, SEGMENT_FIELDS, type SegmentField } from '../../analytics/report-types.js'
import { FILTER_AMOUNT_BANDS } from '../../domain/amount-band.js'
import { unquote } from '../../domain/unquote.js'
import { AppError } from '../../errors.js'

const OPENING_QUOTE = /^["'\u201c\u2018]/
const CLOSING_QUOTE = /["'\u201d\u2019]$/

/** Parsed `[months] [field=value ...]`. */
export interface ReportArgs {
  readonly months: number | undefined
  readonly where: ReportFilters
}

/**
 * Parses report arguments: an optional whole number of months (1 or more; the report shows at most {@link MAX_WINRATE_MONTHS}, as
 * `--months`) and `field=value` filters
 * on the segment fields (`region=EMEA`), read as `pulse report --where` reads them: field names
 * in any case, an amount band in any case (`100K+`), a field given twice with two values
 * refused. A value may be several words (`region=North America`, the value or the whole filter in
 * straight or curly quotes): words after a filter that are neither a filter nor the months belong
 * to its value.
 *
 * @throws AppError `bad_input` naming the bad argument and the usage.
 * @example parseReportArgs(['6', 'region=North', 'America'], true, 'winrate [months]') // { months: 6, where: { region: 'North America' } }
 */
export function parseReportArgs(args: readonly string[], allowMonths: boolean, usage: string): ReportArgs {
  let months: number | undefined
  const filters: Array<{ field: SegmentField; raw: string; value: string; quoted: boolean }> = []
  const notUnderstood = (arg: string) =>
    new AppError(
      'bad_input',
      `I did not understand "${arg}". Filters look like region=EMEA (fields: ${SEGMENT_FIELDS.join(', ')}). Usage: /pulse ${usage}`,
    )
  for (const arg of args) {
    if (allowMonths && months === undefined && /^\d+$/.test(arg)) {
      const n = Number(arg)
      if (n < 1) throw new AppError('bad_input', `Months must be 1 or more, not ${arg}. Usage: /pulse ${usage}`)
      months = n
      continue
    }
    // A whole filter in quotes (`"region=North America"`) reads as the filter.
    const quoted = OPENING_QUOTE.test(arg)
    const bare = quoted ? arg.slice(1) : arg
    const eq = bare.indexOf('=')
    const field = eq > 0 ? bare.slice(0, eq).toLowerCase() : ''
    if ((SEGMENT_FIELDS as readonly string[]).includes(field)) {
      filters.push({ field: field as SegmentField, raw: arg, value: bare.slice(eq + 1), quoted })
      continue
    }
    // Another word of the last filter's value (`region=North America`).
    const last = filters.at(-1)
    if (eq === -1 && last) {
      last.raw = `${last.raw} ${arg}`
      last.value = `${last.value} ${arg}`
      continue
    }
    throw notUnderstood(arg)
  }
  const where: Partial<Record<SegmentField, string>> = {}
  for (const f of filters) {
    let value = unquote(f.quoted ? f.value.trim().replace(CLOSING_QUOTE, '') : f.value.trim())
    if (value === '') throw notUnderstood(f.raw)
    if (f.field === 'amount_band') {
      const band = FILTER_AMOUNT_BANDS.find((b) => b.toLowerCase() === value.toLowerCase())
      if (band === undefined)
        throw new AppError(
          'bad_input',
          `amount_band "${value}" is not a band; use one of ${FILTER_AMOUNT_BANDS.join(', ')}. Usage: /pulse ${usage}`,
        )
      value = band
    }
    const previous = where[f.field]
    if (previous !== undefined && previous !== value) {
      throw new AppError(
        'bad_input',
        `You gave ${f.field} twice ("${previous}" and "${value}"); a report filters on one value per field, so ask once for each. Usage: /pulse ${usage}`,
      )
    }
    where[f.field] = value
  }
  return { months, where }
}

import { type ReportFilters, SEGMENT_FIELDS, type SegmentField } from '../../analytics/report-types.js'
import { AppError } from '../../errors.js'

/** Parsed `[months] [field=value ...]`. */
export interface ReportArgs {
  readonly months: number | undefined
  readonly where: ReportFilters
}

/**
 * Parses report arguments: an optional whole number of months (1-60) and `field=value` filters
 * on the segment fields (`region=EMEA`).
 *
 * @throws AppError `bad_input` naming the bad argument and the usage.
 * @example parseReportArgs(['6', 'region=EMEA'], true, 'winrate [months]') // { months: 6, where: { region: 'EMEA' } }
 */
export function parseReportArgs(args: readonly string[], allowMonths: boolean, usage: string): ReportArgs {
  let months: number | undefined
  const where: Partial<Record<SegmentField, string>> = {}
  for (const arg of args) {
    if (allowMonths && months === undefined && /^\d+$/.test(arg)) {
      const n = Number(arg)
      if (n < 1 || n > 60) throw new AppError('bad_input', `Months must be between 1 and 60, not ${arg}. Usage: /pulse ${usage}`)
      months = n
      continue
    }
    const eq = arg.indexOf('=')
    const field = eq > 0 ? arg.slice(0, eq).toLowerCase() : ''
    const value = eq > 0 ? arg.slice(eq + 1).trim() : ''
    if (!(SEGMENT_FIELDS as readonly string[]).includes(field) || value === '') {
      throw new AppError(
        'bad_input',
        `I did not understand "${arg}". Filters look like region=EMEA (fields: ${SEGMENT_FIELDS.join(', ')}). Usage: /pulse ${usage}`,
      )
    }
    where[field as SegmentField] = value
  }
  return { months, where }
}

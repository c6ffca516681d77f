import type { Kysely } from 'kysely'
import type { ReportFilters, SegmentField } from '../analytics/report-types.js'
import { findSegmentOutcomes } from '../db/find-segment-outcomes.js'
import type { Database } from '../db/schema.js'

/** A filter value read in the deals' own spelling, and one no closed deal has. */
export interface FilterValueMatch {
  /** The filters with each value that matched only in another case replaced by the stored spelling. */
  readonly where: ReportFilters
  readonly respelled: ReadonlyArray<{ readonly field: SegmentField; readonly typed: string; readonly stored: string }>
  /** Values no closed deal has (kept in `where`: open deals may have them), with their sentence. */
  readonly unknown: ReadonlyArray<{ readonly field: SegmentField; readonly note: string }>
}

/**
 * Matches the values of `where` for `fields` to the values closed deals hold, as `pulse report
 * --where` and `/pulse` filters read them: a value that matches only in another case becomes the
 * stored spelling (`region=emea` reads `EMEA`); a value no closed deal has is kept and named in a
 * sentence with the values there are (at most 20 listed). Other fields are left as they are.
 */
export async function matchFilterValues(
  db: Kysely<Database>,
  where: ReportFilters,
  fields: readonly SegmentField[],
): Promise<FilterValueMatch> {
  const asked = fields.filter((f) => where[f] !== undefined)
  if (asked.length === 0) return { where, respelled: [], unknown: [] }
  const rows = await findSegmentOutcomes(
    db,
    { asOf: '9999-12-31' },
    asked.map((f) => [f]),
  )
  const out: Partial<Record<SegmentField, string>> = { ...where }
  const respelled: Array<FilterValueMatch['respelled'][number]> = []
  const unknown: Array<FilterValueMatch['unknown'][number]> = []
  for (const field of asked) {
    const wanted = where[field] as string
    const known = [...new Set(rows.filter((r) => r.fields[0] === field).map((r) => r.values[0] as string))].sort()
    if (known.includes(wanted)) continue
    const sameButCase = known.filter((v) => v.toLowerCase() === wanted.toLowerCase())
    if (sameButCase.length === 1) {
      const stored = sameButCase[0] as string
      out[field] = stored
      respelled.push({ field, typed: wanted, stored })
      continue
    }
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ...` : known.join(', ')
    unknown.push({ field, note: `No closed deal has ${field} "${wanted}"${known.length > 0 ? `; the values there are: ${shown}` : ''}.` })
  }
  return { where: out, respelled, unknown }
}

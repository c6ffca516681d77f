import type { Kysely } from 'kysely'
import type { ReportFilters, SegmentField } from '../analytics/report-types.js'
import { findSegmentOutcomes } from '../db/find-segment-outcomes.js'
import type { Database } from '../db/schema.js'
import { foldSegmentValue } from '../domain/fold-segment-value.js'

/** A filter value read in the deals' own spelling, and one no closed deal has. */
export interface FilterValueMatch {
  /** The filters with each value that matched one stored spelling only in another case replaced by that spelling. */
  readonly where: ReportFilters
  readonly respelled: ReadonlyArray<{ readonly field: SegmentField; readonly typed: string; readonly stored: string }>
  /** Values that match several stored spellings (`EMEA`, `emea`): the filter takes the deals of all of them. */
  readonly spellings: ReadonlyArray<{ readonly field: SegmentField; readonly typed: string; readonly stored: readonly string[] }>
  /** Values no closed deal has (kept in `where`: open deals may have them), with their sentence. */
  readonly unknown: ReadonlyArray<{ readonly field: SegmentField; readonly note: string }>
}

/**
 * Matches the values of `where` for `fields` to the values closed deals hold, as `pulse report
 * --where` and `/pulse` filters read them (a filter takes every stored value equal to it up to
 * case and surrounding spaces): a value that matches one stored spelling only in another case
 * becomes that spelling (`region=emea` reads `EMEA`); one that matches several (`EMEA` and `emea`)
 * is kept and listed in `spellings`; a value no closed deal has is kept and named in a sentence
 * with the values there are (at most 20 listed). Other fields are left as they are.
 */
export async function matchFilterValues(
  db: Kysely<Database>,
  where: ReportFilters,
  fields: readonly SegmentField[],
): Promise<FilterValueMatch> {
  const asked = fields.filter((f) => where[f] !== undefined)
  if (asked.length === 0) return { where, respelled: [], spellings: [], unknown: [] }
  const rows = await findSegmentOutcomes(
    db,
    { asOf: '9999-12-31' },
    asked.map((f) => [f]),
  )
  const out: Partial<Record<SegmentField, string>> = { ...where }
  const respelled: Array<FilterValueMatch['respelled'][number]> = []
  const spellings: Array<FilterValueMatch['spellings'][number]> = []
  const unknown: Array<FilterValueMatch['unknown'][number]> = []
  for (const field of asked) {
    const wanted = where[field] as string
    const known = [...new Set(rows.filter((r) => r.fields[0] === field).map((r) => r.values[0] as string))].sort()
    const same = known.filter((v) => foldSegmentValue(v) === foldSegmentValue(wanted))
    if (same.length > 1) {
      spellings.push({ field, typed: wanted, stored: same })
      continue
    }
    if (same.length === 1) {
      const stored = same[0] as string
      if (stored === wanted) continue
      out[field] = stored
      respelled.push({ field, typed: wanted, stored })
      continue
    }
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ...` : known.join(', ')
    unknown.push({ field, note: `No closed deal has ${field} "${wanted}"${known.length > 0 ? `; the values there are: ${shown}` : ''}.` })
  }
  return { where: out, respelled, spellings, unknown }
}

/**
 * The note on a filter value several stored spellings match: "region=Emea matches the deals of
 * EMEA and emea (values that differ only in case or surrounding spaces are taken as one)".
 */
export function spellingsNote(m: FilterValueMatch['spellings'][number]): string {
  const names = m.stored.map((v) => `"${v}"`)
  const list = names.length === 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
  return `${m.field}=${m.typed} matches the deals of ${list} (values that differ only in case or surrounding spaces are taken as one).`
}

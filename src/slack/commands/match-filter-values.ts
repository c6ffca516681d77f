import type { Kysely } from 'kysely'
import type { SegmentField } from '../../analytics/report-types.js'
import type { Database } from '../../db/schema.js'
import { findSegmentOutcomes } from '../../db/segment-outcomes.js'
import type { ReportArgs } from './parse-report-args.js'

/** Fields whose values are labels anyone with reports may see listed (never owner ids). */
const LABEL_FIELDS = ['region', 'industry', 'product_type', 'lead_source'] as const

/** Filters matched to the deals' spelling, and notes on values no closed deal has (mrkdwn-free text). */
export interface MatchedFilters {
  readonly args: ReportArgs
  readonly notes: readonly string[]
}

/**
 * Matches the label filters of `args` (region, industry, product type, lead source) to the values
 * closed deals hold, as `pulse report --where` does: a value that matches only in another case
 * becomes the stored spelling (`region=emea` reads `EMEA`); a value no closed deal has is kept
 * (open deals may have it) and named in a note with the values there are. Owner ids and amount
 * bands are left as they are.
 */
export async function matchFilterValues(db: Kysely<Database>, args: ReportArgs): Promise<MatchedFilters> {
  const fields = LABEL_FIELDS.filter((f) => args.where[f] !== undefined)
  if (fields.length === 0) return { args, notes: [] }
  const rows = await findSegmentOutcomes(
    db,
    { asOf: '9999-12-31' },
    fields.map((f) => [f]),
  )
  const where: Partial<Record<SegmentField, string>> = { ...args.where }
  const notes: string[] = []
  for (const field of fields) {
    const wanted = args.where[field] as string
    const known = [...new Set(rows.filter((r) => r.fields[0] === field).map((r) => r.values[0] as string))].sort()
    if (known.includes(wanted)) continue
    const sameButCase = known.filter((v) => v.toLowerCase() === wanted.toLowerCase())
    if (sameButCase.length === 1) {
      where[field] = sameButCase[0] as string
      continue
    }
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ...` : known.join(', ')
    notes.push(`No closed deal has ${field} "${wanted}"${known.length > 0 ? `; the values there are: ${shown}` : ''}.`)
  }
  return { args: { ...args, where }, notes }
}

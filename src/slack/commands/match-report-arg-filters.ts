import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'
import { matchFilterValues, spellingsNote } from '../../services/match-filter-values.js'
import { type DataScope, ownerNamedIn, scopeOwnerIds } from '../access/authorize.js'
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
 * closed deals hold, as `pulse report --where` does ({@link matchFilterValues}): a value that
 * matches only in another case becomes the stored spelling (`region=emea` reads `EMEA`), one that
 * several spellings hold (`EMEA`, `emea`) takes the deals of all and a note names them; a value
 * no closed deal has is kept (open deals may have it) and named in a note with the values there
 * are. An owner id (`sales_rep_id`) is matched the same way, but its note lists no owner ids;
 * for someone who sees only some owners' deals (`scope`), it is first read as the one of those
 * owners it names in another case, so a rep whose deals are all still open finds them too.
 * Amount bands are left as they are.
 */
export async function matchReportArgFilters(db: Kysely<Database>, args: ReportArgs, scope?: DataScope): Promise<MatchedFilters> {
  const where = { ...args.where, ...ownerInScope(args.where.sales_rep_id, scope) }
  const matched = await matchFilterValues(db, where, [...LABEL_FIELDS, 'sales_rep_id'])
  // An owner id is read in the stored spelling too (`REP_18` for `rep_18`), but the owner ids
  // there are are never listed: the note for one no closed deal has names only the typed value.
  const notes = [
    // A label that several spellings hold (`EMEA`, `emea`) takes the deals of all of them: say which.
    ...matched.spellings.filter((m) => m.field !== 'sales_rep_id').map(spellingsNote),
    ...matched.unknown.map((u) => (u.field === 'sales_rep_id' ? `No closed deal has sales_rep_id "${where.sales_rep_id}".` : u.note)),
  ]
  return { args: { ...args, where: matched.where }, notes }
}

// The scope's own spelling of a typed owner id (the access check allowed it as the one owner in
// the scope it names in any case); closed deals alone cannot say, since an owner may have none yet.
function ownerInScope(typed: string | undefined, scope: DataScope | undefined): { sales_rep_id?: string } {
  const ownerIds = scope ? scopeOwnerIds(scope) : undefined
  if (typed === undefined || ownerIds === undefined) return {}
  const named = ownerNamedIn(ownerIds, typed)
  return named === undefined || named === typed ? {} : { sales_rep_id: named }
}

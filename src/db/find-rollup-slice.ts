import type { Kysely } from 'kysely'
import { type DealScope, SEGMENT_COLUMNS, type SegmentFieldName } from './deal-scope.js'
import type { Database } from './schema.js'

/** The part of `analytics_rollup` that answers a scope. */
export interface RollupSlice {
  /** '' (all deals) or the one `deals` column filtered on. */
  dims: string
  /** Values of that column to add up; null for all deals. */
  v1: readonly string[] | null
  /** Whether stays and the funnel came from stage history. */
  history: boolean
  /** The open stages the funnel's stored positions refer to. */
  openStages: readonly string[]
}

/**
 * The rollup slice for `scope`, or null when the reports must read `deals`: no rollup, data
 * changed since it was built (`meta.data_version`), "as of" before the newest date in the data,
 * or filters on more than one field (owner scoping counts as a filter on `sales_rep_id`).
 */
export async function findRollupSlice(db: Kysely<Database>, scope: DealScope): Promise<RollupSlice | null> {
  // No rollup table (a database older than the analytics migration) means no rollup.
  const state = await db
    .selectFrom('analytics_rollup_state')
    .selectAll()
    .where('id', '=', 1)
    .executeTakeFirst()
    .catch(() => undefined)
  if (!state || scope.asOf < state.horizon) return null
  const version = await db.selectFrom('meta').select('value').where('key', '=', 'data_version').executeTakeFirst()
  if ((version?.value ?? '') !== state.data_version) return null
  const filters = Object.entries(scope.where ?? {}).filter(([, v]) => v !== undefined) as Array<[SegmentFieldName, string]>
  const base = { history: state.history === 1, openStages: JSON.parse(state.open_stages) as string[] }
  if (scope.ownerIds) {
    if (filters.length > 0) return null
    return { ...base, dims: 'owner_id', v1: scope.ownerIds }
  }
  if (filters.length === 0) return { ...base, dims: '', v1: null }
  if (filters.length > 1) return null
  const [field, value] = filters[0] as [SegmentFieldName, string]
  return { ...base, dims: SEGMENT_COLUMNS[field], v1: [value] }
}

/** `analytics_rollup` rows of one kind in `slice`. */
export function rollupRows(db: Kysely<Database>, kind: string, slice: RollupSlice) {
  let q = db.selectFrom('analytics_rollup').where('kind', '=', kind).where('dims', '=', slice.dims)
  // No values (a manager whose team owns no deal yet) matches nothing; PostgreSQL refuses a NUL in text, so no sentinel value.
  if (slice.v1 !== null) q = slice.v1.length === 0 ? q.where((eb) => eb.lit(false)) : q.where('v1', 'in', [...slice.v1])
  return q
}

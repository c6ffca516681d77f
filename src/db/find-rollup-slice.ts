import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { addDays } from '../domain/dates.js'
import { type DealScope, SEGMENT_COLUMNS, type SegmentFieldName, sameSegmentValueSql } from './deal-scope.js'
import type { Database } from './schema.js'

/** The part of `analytics_rollup` that answers a scope. */
export interface RollupSlice {
  /** '' (all deals) or the one `deals` column filtered on. */
  dims: string
  /** Values of that column to add up; null for all deals. */
  v1: readonly string[] | null
  /** A filter value: add up the values of that column equal to it up to case and surrounding spaces (as `scopeCondition`), not `v1`. */
  v1Like?: string
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
  const found = await findCurrentSlice(db, scope)
  return found && scope.asOf >= found.horizon ? found.slice : null
}

/**
 * A {@link RollupSlice} for counts by the month deals closed or were created in (the rollup's
 * `closed` and `created` kinds), as of any day: "as of" only cuts a closed or created deal by its
 * date (a deal never closes before it is created), so an earlier "as of" takes the rollup's months
 * up to `throughMonth` and reads from `deals` only what closed or was created from `readFrom` on.
 */
export interface MonthlyRollupSlice extends RollupSlice {
  /** The last rollup month (`YYYY-MM`) to add up; null for every month ("as of" on or after the newest date in the data). */
  throughMonth: string | null
  /**
   * The first day (`YYYY-MM-01`) of the month "as of" falls in, when "as of" is before the newest date
   * and not that month's last day: deals closed (or created) from that day to "as of" come from `deals`.
   */
  readFrom: string | null
}

/**
 * The {@link MonthlyRollupSlice} for `scope`, or null when the monthly counts must read `deals`
 * (no rollup, data changed since it was built, or filters on more than one field).
 * @example await findMonthlyRollupSlice(db, { asOf: '2024-12-15' }) // { dims: '', ..., throughMonth: '2024-11', readFrom: '2024-12-01' }
 */
export async function findMonthlyRollupSlice(db: Kysely<Database>, scope: DealScope): Promise<MonthlyRollupSlice | null> {
  const found = await findCurrentSlice(db, scope)
  if (!found) return null
  if (scope.asOf >= found.horizon) return { ...found.slice, throughMonth: null, readFrom: null }
  const month = scope.asOf.slice(0, 7)
  // The month's last day: the whole month is in the rollup.
  if (addDays(scope.asOf, 1).slice(0, 7) !== month) return { ...found.slice, throughMonth: month, readFrom: null }
  const readFrom = `${month}-01`
  return { ...found.slice, throughMonth: addDays(readFrom, -1).slice(0, 7), readFrom }
}

// The slice for `scope` from a current rollup, with the newest date it was built from; null when there
// is no current rollup or it cannot answer the scope's filters.
async function findCurrentSlice(db: Kysely<Database>, scope: DealScope): Promise<{ slice: RollupSlice; horizon: string } | null> {
  // No rollup table (a database older than the analytics migration) means no rollup.
  const state = await db
    .selectFrom('analytics_rollup_state')
    .selectAll()
    .where('id', '=', 1)
    .executeTakeFirst()
    .catch(() => undefined)
  if (!state) return null
  const version = await db.selectFrom('meta').select('value').where('key', '=', 'data_version').executeTakeFirst()
  if ((version?.value ?? '') !== state.data_version) return null
  const filters = Object.entries(scope.where ?? {}).filter(([, v]) => v !== undefined) as Array<[SegmentFieldName, string]>
  const base = { history: state.history === 1, openStages: JSON.parse(state.open_stages) as string[] }
  const found = (slice: RollupSlice) => ({ slice, horizon: state.horizon })
  if (scope.ownerIds) {
    if (filters.length > 0) return null
    return found({ ...base, dims: 'owner_id', v1: scope.ownerIds })
  }
  if (filters.length === 0) return found({ ...base, dims: '', v1: null })
  if (filters.length > 1) return null
  const [field, value] = filters[0] as [SegmentFieldName, string]
  return found({ ...base, dims: SEGMENT_COLUMNS[field], v1: null, v1Like: value })
}

/** `analytics_rollup` rows of one kind in `slice`. */
export function rollupRows(db: Kysely<Database>, kind: string, slice: RollupSlice) {
  let q = db.selectFrom('analytics_rollup').where('kind', '=', kind).where('dims', '=', slice.dims)
  // No values (a manager whose team owns no deal yet) matches nothing; PostgreSQL refuses a NUL in text, so no sentinel value.
  if (slice.v1 !== null) q = slice.v1.length === 0 ? q.where((eb) => eb.lit(false)) : q.where('v1', 'in', [...slice.v1])
  if (slice.v1Like !== undefined) q = q.where(sameSegmentValueSql(sql.ref('v1'), slice.v1Like))
  return q
}

/** {@link rollupRows} of a monthly kind (`closed`, `created`: `k1` is the month) up to `slice.throughMonth`. */
export function monthlyRollupRows(db: Kysely<Database>, kind: 'closed' | 'created', slice: MonthlyRollupSlice) {
  const q = rollupRows(db, kind, slice)
  return slice.throughMonth === null ? q : q.where('k1', '<=', slice.throughMonth)
}

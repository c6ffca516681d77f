import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Database } from './schema.js'

/** Segment fields (import names) and the `deals` column each is stored in. */
export const SEGMENT_COLUMNS = {
  region: 'region',
  industry: 'industry',
  product_type: 'product_type',
  lead_source: 'lead_source',
  sales_rep_id: 'owner_id',
  amount_band: 'amount_band',
} as const

/** A segment field by its import name. */
export type SegmentFieldName = keyof typeof SEGMENT_COLUMNS

/** Which deals an aggregate covers, and the date it is computed as of (`YYYY-MM-DD`). */
export interface DealScope {
  readonly asOf: string
  /** field -> value, all must match, each in any case and with any surrounding spaces ({@link sameSegmentValueSql}). */
  readonly where?: Readonly<Partial<Record<SegmentFieldName, string>>>
  /** Only these owners (`sales_rep_id`); an empty list matches nothing. */
  readonly ownerIds?: readonly string[]
}

/**
 * The `WHERE` condition of a scope on `deals`: not archived, created on or before `asOf`, and
 * matching every filter, in any case and with any surrounding spaces (`region=emea` matches
 * `EMEA`, `emea` and ` Emea`). (Whether a deal is closed by `asOf` is up to each query.)
 */
export function scopeCondition(scope: DealScope): (eb: ExpressionBuilder<Database, 'deals'>) => Expression<SqlBool> {
  return (eb) => {
    const parts: Expression<SqlBool>[] = [eb('deals.archived', '=', 0), eb('deals.created_date', '<=', scope.asOf)]
    for (const [field, value] of Object.entries(scope.where ?? {})) {
      if (value === undefined) continue
      parts.push(sameSegmentValueSql(sql.ref(`deals.${SEGMENT_COLUMNS[field as SegmentFieldName]}`), value))
    }
    if (scope.ownerIds) {
      parts.push(scope.ownerIds.length === 0 ? eb.lit(false) : eb('deals.owner_id', 'in', [...scope.ownerIds]))
    }
    return eb.and(parts)
  }
}

/**
 * True where the segment value `column` is `value` up to case and surrounding spaces, as a filter
 * reads it: `lower(trim(column)) = lower(trim(value))`, in the store's own `lower` (SQLite folds
 * the letters A-Z; PostgreSQL every letter). The analytics rollup's values are matched the same way.
 * @example sameSegmentValueSql(sql.ref('deals.region'), 'emea') // matches EMEA, emea, " Emea"
 */
export function sameSegmentValueSql(column: RawBuilder<unknown>, value: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`lower(trim(${column})) = lower(trim(${value}))`
}

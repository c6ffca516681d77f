/**
 * `analytics_rollup`: deals pre-aggregated for the win-rate reports, rebuilt after each import
 * (`refreshAnalyticsRollup`). One row per (kind, dimension set, dimension values, keys).
 * `dims` is '' (all deals), one segment field, or two joined by ','; `v1`/`v2` their values.
 */
export interface AnalyticsRollupTable {
  kind: string
  dims: string
  v1: string
  v2: string
  k1: string
  k2: string
  d: number
  n: number
  amount: number
  days: number
}

/** `analytics_rollup_state`: what the rollup was built from (one row, `id` = 1). */
export interface AnalyticsRollupStateTable {
  id: number
  /** `meta.data_version` when the rollup was built; a different current value means stale. */
  data_version: string
  /** Latest created/closed/stage-history date in the data: the rollup answers any as-of on or after it. */
  horizon: string
  /** 1 when stays and the funnel came from stage history. */
  history: number
  /** The open stages (JSON array) the funnel's furthest-stage positions refer to. */
  open_stages: string
  built_at: string
}

/** Tables of the analytics area, created by `migrations/0002-analytics.ts`. */
export interface AnalyticsTables {
  analytics_rollup: AnalyticsRollupTable
  analytics_rollup_state: AnalyticsRollupStateTable
}

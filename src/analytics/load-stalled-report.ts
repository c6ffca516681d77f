import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { findStalePipeline } from '../db/stale-pipeline.js'
import { findOverStageDeals, findStalledDeals } from '../db/stalled-deals.js'
import { loadReportContext } from './load-report-context.js'
import { loadTimeInStageReport } from './load-time-in-stage-report.js'
import type { StalledQuery, StalledReport } from './report-types.js'
import { stalledReport } from './stalled-report.js'

/** Deals listed by default (largest first); the totals always cover every deal. */
export const DEFAULT_STALLED_LIMIT = 200

/** `report stalled` from the store: stalled deals, large deals past their stage's p90, and stale pipeline. */
export async function loadStalledReport(db: Kysely<Database>, query: StalledQuery): Promise<StalledReport> {
  const context = await loadReportContext(db, query)
  const { rules, scope } = context
  const limit = query.limit ?? DEFAULT_STALLED_LIMIT
  const times = await loadTimeInStageReport(db, query)
  const thresholds = new Map(times.stages.filter((s) => s.p90 !== null).map((s) => [s.stage, s.p90 as number]))
  const [stalled, overStageP90, stale] = await Promise.all([
    findStalledDeals(db, scope, { alertAmount: rules.alertAmount, idleDays: rules.idleDays, limit }),
    findOverStageDeals(db, scope, { alertAmount: rules.alertAmount, idleDays: rules.idleDays, limit, thresholds }),
    findStalePipeline(db, scope, rules.staleDays),
  ])
  return stalledReport({ stalled, overStageP90, stale, stageTimes: times.stages }, context, query)
}

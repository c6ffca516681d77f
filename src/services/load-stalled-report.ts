import type { Kysely } from 'kysely'
import { DEFAULT_STALLED_LIMIT, type StalledQuery, type StalledReport } from '../analytics/report-types.js'
import { stageP90Thresholds } from '../analytics/stage-p90-thresholds.js'
import { stalledReport } from '../analytics/stalled-report.js'
import { findStalePipeline } from '../db/find-stale-pipeline.js'
import { findOverStageDeals, findStalledDeals } from '../db/find-stalled-deals.js'
import type { Database } from '../db/schema.js'
import { loadReportContext } from './load-report-context.js'
import { loadTimeInStageReport } from './load-time-in-stage-report.js'

/**
 * `report stalled` from the store: stalled deals, large deals past their stage's p90, and stale
 * pipeline. As of a past day all three count the deals open that day, those closed since
 * included (by the dates their records keep), unless `query.openNow` (`pulse alerts`: DMs go
 * about deals open now).
 * With `stageTimes: false` the time in stage is not computed (seconds over a large store's stage
 * history when the rollup cannot answer): no deal is flagged as past its stage's p90 and no p90
 * is given; the stalled and stale figures are the same.
 */
export async function loadStalledReport(
  db: Kysely<Database>,
  query: StalledQuery,
  options: { stageTimes?: boolean } = {},
): Promise<StalledReport> {
  const context = await loadReportContext(db, query)
  const { rules, scope } = context
  const limit = query.limit ?? DEFAULT_STALLED_LIMIT
  const stageTimes = options.stageTimes === false ? [] : (await loadTimeInStageReport(db, query)).stages
  const thresholds = stageP90Thresholds(stageTimes)
  // A past "as of" counts the deals open that day, closed since or not (unless `openNow`).
  const stale = await findStalePipeline(db, scope, rules.staleDays, { openNow: query.openNow, today: query.today })
  const [stalled, overStageP90] = await Promise.all([
    findStalledDeals(db, scope, {
      alertAmount: rules.alertAmount,
      idleDays: rules.idleDays,
      limit,
      openOnAsOf: stale.closedSinceCounted,
      standInOnAsOf: stale.standInOnAsOf,
    }),
    options.stageTimes === false
      ? { deals: [], count: 0, amount: 0, noActivityDate: 0, currencies: [] }
      : findOverStageDeals(db, scope, {
          alertAmount: rules.alertAmount,
          idleDays: rules.idleDays,
          limit,
          thresholds,
          openOnAsOf: stale.closedSinceCounted,
          standInOnAsOf: stale.standInOnAsOf,
        }),
  ])
  return stalledReport({ stalled, overStageP90, stale, stageTimes }, context, query)
}

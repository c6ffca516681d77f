import type { Kysely } from 'kysely'
import type { FindingsSummary, ReportQuery } from '../analytics/report-types.js'
import { summarizeFindings } from '../analytics/summarize-findings.js'
import type { Database } from '../db/schema.js'
import { loadDriversReport } from './load-drivers-report.js'
import { loadFunnelReport } from './load-funnel-report.js'
import { loadLossesReport } from './load-losses-report.js'
import { loadStalledReport } from './load-stalled-report.js'
import { loadWinrateReport } from './load-winrate-report.js'

/**
 * The CRO's summary from the store: runs every report for `query` and keeps the handful of
 * sentences that are significant (or says plainly that the win rate is within its normal range).
 * @example (await findingsSummary(db, { asOf: '2024-07-20' })).sentences
 */
export async function findingsSummary(db: Kysely<Database>, query: ReportQuery): Promise<FindingsSummary> {
  const [winrate, losses, funnel, drivers, stalled] = await Promise.all([
    loadWinrateReport(db, query),
    loadLossesReport(db, query),
    loadFunnelReport(db, query),
    loadDriversReport(db, query),
    // The summary states stalled deals and zombie pipeline only: no time in stage needed.
    loadStalledReport(db, { ...query, limit: 1 }, { stageTimes: false }),
  ])
  return summarizeFindings({ winrate, losses, funnel, drivers, stalled }, query)
}

import type { Kysely } from 'kysely'
import type { ReportQuery, TimeInStageReport } from '../analytics/report-types.js'
import { timeInStageReport } from '../analytics/time-in-stage-report.js'
import { hasStageHistory } from '../db/find-funnel-counts.js'
import { findStageDurations } from '../db/find-stage-durations.js'
import type { Database } from '../db/schema.js'
import { loadReportContext } from './load-report-context.js'

/** Time in stage from the store: Kaplan-Meier median / p75 / p90 per open stage. */
export async function loadTimeInStageReport(db: Kysely<Database>, query: ReportQuery): Promise<TimeInStageReport> {
  const context = await loadReportContext(db, query)
  const useHistory = await hasStageHistory(db)
  const rows = await findStageDurations(db, context.scope, context.openStages, useHistory)
  return timeInStageReport(rows, context, useHistory, query)
}

import type { Kysely } from 'kysely'
import { funnelReport } from '../analytics/funnel-report.js'
import type { FunnelReport, ReportQuery } from '../analytics/report-types.js'
import { findFunnelCounts, hasStageHistory } from '../db/find-funnel-counts.js'
import type { Database } from '../db/schema.js'
import { loadReportContext } from './load-report-context.js'

/** `report funnel` from the store: stage conversion and leakage (from stage history when there is any). */
export async function loadFunnelReport(db: Kysely<Database>, query: ReportQuery): Promise<FunnelReport> {
  const context = await loadReportContext(db, query)
  const useHistory = await hasStageHistory(db)
  const rows = await findFunnelCounts(db, context.scope, context.openStages, useHistory)
  return funnelReport(rows, context, useHistory, query)
}

import type { Kysely } from 'kysely'
import { type ReportContext, reportContext } from '../analytics/report-context.js'
import type { ReportQuery } from '../analytics/report-types.js'
import { findStageOrder } from '../db/save-stage-order.js'
import type { Database } from '../db/schema.js'

/** {@link reportContext} with the stage order read from the store. */
export async function loadReportContext(db: Kysely<Database>, query: ReportQuery): Promise<ReportContext> {
  return reportContext(query, query.stages ? [] : await findStageOrder(db))
}

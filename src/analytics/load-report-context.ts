import type { Kysely } from 'kysely'
import { findStageOrder } from '../db/save-stage-order.js'
import type { Database } from '../db/schema.js'
import { type ReportContext, reportContext } from './report-context.js'
import type { ReportQuery } from './report-types.js'

/** {@link reportContext} with the stage order read from the store. */
export async function loadReportContext(db: Kysely<Database>, query: ReportQuery): Promise<ReportContext> {
  return reportContext(query, query.stages ? [] : await findStageOrder(db))
}

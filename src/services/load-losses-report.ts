import type { Kysely } from 'kysely'
import { lossesReport } from '../analytics/losses-report.js'
import type { LossesReport, ReportQuery } from '../analytics/report-types.js'
import { findCurrencies } from '../db/currencies-of.js'
import { scopeCondition } from '../db/deal-scope.js'
import { findLossStages } from '../db/find-loss-stages.js'
import type { Database } from '../db/schema.js'
import { loadReportContext } from './load-report-context.js'

/** `report losses` from the store: lost deals by the stage they were lost at. */
export async function loadLossesReport(db: Kysely<Database>, query: ReportQuery): Promise<LossesReport> {
  const context = await loadReportContext(db, query)
  const lost = db
    .selectFrom('deals')
    .where(scopeCondition(context.scope))
    .where('outcome', '=', 'lost')
    .where('closed_date', '<=', context.scope.asOf)
  const [rows, currencies] = await Promise.all([findLossStages(db, context.scope), findCurrencies(db, lost)])
  return lossesReport(rows, context, query, currencies)
}

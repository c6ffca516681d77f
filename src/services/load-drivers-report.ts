import type { Kysely } from 'kysely'
import { currencyCodes } from '../analytics/currency-money.js'
import { DRIVER_COMBINATIONS, DRIVER_FIELDS, driversReport } from '../analytics/drivers-report.js'
import type { DriversReport, ReportQuery } from '../analytics/report-types.js'
import { findCurrencies } from '../db/currencies-of.js'
import { scopeCondition } from '../db/deal-scope.js'
import { findSegmentOutcomes } from '../db/find-segment-outcomes.js'
import type { Database } from '../db/schema.js'
import { loadReportContext } from './load-report-context.js'

/** `report drivers` from the store: segment win rates with Wilson intervals, lift, p and BH q. */
export async function loadDriversReport(db: Kysely<Database>, query: ReportQuery): Promise<DriversReport> {
  const { scope } = await loadReportContext(db, query)
  const closed = db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '<=', scope.asOf)
  const [rows, currencies] = await Promise.all([
    findSegmentOutcomes(db, scope, [...DRIVER_FIELDS.map((f) => [f]), ...DRIVER_COMBINATIONS]),
    findCurrencies(db, closed),
  ])
  return driversReport(rows, query, currencyCodes(currencies))
}

import type { Kysely } from 'kysely'
import { currencyCodes } from '../analytics/currency-money.js'
import {
  DRIVER_COMBINATIONS,
  DRIVER_FIELDS,
  driversReport,
  NESTING_READ_MAX_CLOSED,
  nestingFieldPairs,
  withNestingUnchecked,
} from '../analytics/drivers-report.js'
import type { DriversReport, ReportQuery } from '../analytics/report-types.js'
import { findCurrencies } from '../db/currencies-of.js'
import { scopeCondition } from '../db/deal-scope.js'
import { findSegmentOutcomes, findValuePairOutcomes } from '../db/find-segment-outcomes.js'
import type { Database } from '../db/schema.js'
import { loadReportContext } from './load-report-context.js'

/**
 * `report drivers` from the store: segment win rates with Wilson intervals, lift, p and BH q. When
 * significant values of two fields could sit one inside the other (a rep in a region), the counts of
 * those values' combinations ({@link nestingFieldPairs}) are read too, from the closed deals that
 * have one, so a value that only shares the gap of the value it sits in is said as such; on a
 * scope of more than `nestingReadMaxClosed` closed deals (default {@link NESTING_READ_MAX_CLOSED})
 * that read is left out and the report says so ({@link withNestingUnchecked}).
 */
export async function loadDriversReport(
  db: Kysely<Database>,
  query: ReportQuery,
  { nestingReadMaxClosed = NESTING_READ_MAX_CLOSED }: { nestingReadMaxClosed?: number } = {},
): Promise<DriversReport> {
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
  const codes = currencyCodes(currencies)
  const report = driversReport(rows, query, codes)
  const pairs = nestingFieldPairs(report)
  if (pairs.length === 0) return report
  if (report.n > nestingReadMaxClosed) return withNestingUnchecked(report, pairs)
  return driversReport(rows, query, codes, await findValuePairOutcomes(db, scope, pairs))
}

import type { Kysely } from 'kysely'
import type { WinrateQuery, WinrateReport } from '../analytics/report-types.js'
import { winrateReport } from '../analytics/winrate-report.js'
import { findCurrencies } from '../db/currencies-of.js'
import { scopeCondition } from '../db/deal-scope.js'
import { findDataEndDay } from '../db/find-data-end-day.js'
import { findFirstCreatedAfter } from '../db/find-first-created-after.js'
import { findMonthlyCreated } from '../db/find-monthly-created.js'
import { findMonthlyOutcomes } from '../db/find-monthly-outcomes.js'
import type { Database } from '../db/schema.js'
import { loadReportContext } from './load-report-context.js'

/**
 * `report winrate` from the store: monthly win rate with p-chart limits and pipeline volume.
 * @example await loadWinrateReport(db, { asOf: '2024-07-20', months: 12, where: { region: 'EMEA' } })
 */
export async function loadWinrateReport(db: Kysely<Database>, query: WinrateQuery): Promise<WinrateReport> {
  const { scope } = await loadReportContext(db, query)
  const [outcomes, created, currencies] = await Promise.all([
    findMonthlyOutcomes(db, scope),
    findMonthlyCreated(db, scope),
    findCurrencies(db, db.selectFrom('deals').where(scopeCondition(scope))),
  ])
  // Nothing created by "as of": whether the data starts later (an "as of" before it) is worth saying.
  const firstCreatedAfter = outcomes.length === 0 && created.length === 0 ? await findFirstCreatedAfter(db, scope) : null
  // Run after the month the data end in (a report long after the last import): the day they end
  // tells whether that last month is complete. Read only then (a scan of every deal's dates).
  const asOfMonth = query.asOf.slice(0, 7)
  const lastMonth = [...outcomes.map((r) => r.month), ...created.map((r) => r.month)]
    .filter((m) => m <= asOfMonth)
    .sort()
    .pop()
  const dataEndDay = lastMonth !== undefined && lastMonth < asOfMonth ? await findDataEndDay(db, query.asOf) : null
  return winrateReport({ outcomes, created, firstCreatedAfter, currencies, dataEndDay }, query)
}

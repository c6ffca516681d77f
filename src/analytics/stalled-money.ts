import { type CurrencyMoney, currencyCode, currencyCodes, currencyMoney } from './currency-money.js'
import type { StalledReport } from './report-types.js'

/** How the stalled report's amounts are written (see {@link stalledMoney}). */
export type StalledMoney = CurrencyMoney

/**
 * How to write the stalled deals' amounts ({@link currencyMoney} of the stalled deals'
 * currencies, else the open deals' when none is stalled): each deal in its own currency, the totals
 * in their one currency or marked as mixed.
 * @example stalledMoney(report).deal({ amount: 84_000, currency: 'eur' }) // '84k EUR'
 */
export function stalledMoney(report: Pick<StalledReport, 'stalled' | 'stalledCurrencies' | 'openCurrencies'>): StalledMoney {
  const stalled = report.stalledCurrencies ?? currencyCodes(report.stalled.map((d) => currencyCode(d.currency)))
  // No deal stalled: the alert amount in the open deals' currency (a euro store's `50k EUR`).
  return currencyMoney(stalled.length > 0 ? stalled : (report.openCurrencies ?? []))
}

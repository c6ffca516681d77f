import { formatMoney, formatMoneyIn } from './format-figures.js'
import type { StalledDeal, StalledReport } from './report-types.js'

/** How the stalled report's amounts are written (see {@link stalledMoney}). */
export interface StalledMoney {
  /** One deal's amount in its own currency: `$250k`, `84k EUR`. */
  readonly deal: (deal: Pick<StalledDeal, 'amount' | 'currency'>) => string
  /** A total over the stalled deals: `$1.9M`, `1.9M EUR`, or `1.9M (mixed currencies)`. */
  readonly total: (amount: number) => string
  /** The alert amount as a lower bound: `$50k+`, `50k EUR+`, or `50k+ in their own currency`. */
  readonly threshold: (amount: number) => string
  /** The alert amount alone: `$50k`, `50k EUR`, or `50k in their own currency`. */
  readonly bound: (amount: number) => string
  /** A sentence naming the currencies when the deals mix them, else none. */
  readonly note: readonly string[]
}

/**
 * How to write the stalled deals' amounts. Each deal in its own currency (an unstated one as
 * dollars, as always). One currency among all the stalled deals (or none stated, or dollars): the
 * totals in it. Several: the totals as bare numbers marked as mixed, the alert amount as applying
 * in each deal's own currency, and a note naming the currencies, since the totals add the amounts
 * up without conversion.
 * @example stalledMoney(report).deal({ amount: 84_000, currency: 'eur' }) // '84k EUR'
 */
export function stalledMoney(report: Pick<StalledReport, 'stalled' | 'stalledCurrencies'>): StalledMoney {
  const deal = (d: Pick<StalledDeal, 'amount' | 'currency'>) => formatMoneyIn(d.amount, currencyCode(d.currency))
  const codes = report.stalledCurrencies ?? [...new Set(report.stalled.map((d) => currencyCode(d.currency)))]
  // An unstated currency is written as dollars.
  const units = new Set(codes.map((c) => (c === 'USD' ? null : c)))
  if (units.size <= 1) {
    const unit = [...units][0] ?? null
    return {
      deal,
      total: (a) => formatMoneyIn(a, unit),
      threshold: (a) => `${formatMoneyIn(a, unit)}+`,
      bound: (a) => formatMoneyIn(a, unit),
      note: [],
    }
  }
  const bare = (a: number) => formatMoney(a).replace('$', '')
  const named = codes.filter((c): c is string => c !== null)
  const listed = `${named.join(', ')}${codes.includes(null) ? ' and none stated (written as $)' : ''}`
  return {
    deal,
    total: (a) => `${bare(a)} (mixed currencies)`,
    threshold: (a) => `${bare(a)}+ in their own currency`,
    bound: (a) => `${bare(a)} in their own currency`,
    note: [`Amounts are in each deal's own currency (${listed}): the totals add them up without conversion.`],
  }
}

/** A stored currency as an upper-case code (`eur` -> `EUR`); null when not stated. */
export function currencyCode(currency: string | null | undefined): string | null {
  return currency?.trim().toUpperCase() || null
}

import { formatMoney, formatMoneyIn } from './format-figures.js'

/** How amounts are written for deals in some currencies (see {@link currencyMoney}). */
export interface CurrencyMoney {
  /** One deal's amount in its own currency: `$250k`, `84k EUR`. */
  readonly deal: (deal: { readonly amount: number; readonly currency?: string | null }) => string
  /** A total over the deals: `$1.9M`, `1.9M EUR`, or `1.9M (mixed currencies)`. */
  readonly total: (amount: number) => string
  /** An amount in a table whose total says how it adds up: as `total`, mixed ones as bare numbers (`1.9M`). */
  readonly figure: (amount: number) => string
  /** A total in a sentence of its own: as `total`, mixed ones naming the currencies: `1.9M (mixed currencies: EUR, USD)`. */
  readonly totalNamed: (amount: number) => string
  /** An alert amount as a lower bound: `$50k+`, `50k EUR+`, or `50k+ in their own currency`. */
  readonly threshold: (amount: number) => string
  /** An alert amount in words: `$50k or more`, `50k EUR or more`, or `50k or more in their own currency`. */
  readonly atLeast: (amount: number) => string
  /** An alert amount alone: `$50k`, `50k EUR`, or `50k in their own currency`. */
  readonly bound: (amount: number) => string
  /** The one unit of the amounts (`$`, `EUR`), or null when they mix currencies. */
  readonly unit: string | null
  /** A sentence naming the currencies when the deals mix them, else none. */
  readonly note: readonly string[]
}

/**
 * How to write the amounts of deals whose currencies are `codes` ({@link currencyCode}s, null: not
 * stated). Each deal in its own currency (an unstated one as dollars, as always). One currency (or
 * none stated, or dollars): the totals in it. Several: the totals as bare numbers marked as mixed,
 * an alert amount as applying in each deal's own currency, and a note naming the currencies, since
 * the totals add the amounts up without conversion.
 * @example currencyMoney(['EUR']).total(154_000) // '154k EUR'
 */
export function currencyMoney(codes: readonly (string | null)[]): CurrencyMoney {
  const deal = (d: { readonly amount: number; readonly currency?: string | null }) => formatMoneyIn(d.amount, currencyCode(d.currency))
  // An unstated currency is written as dollars.
  const units = new Set(codes.map((c) => (c === 'USD' ? null : c)))
  if (units.size <= 1) {
    const unit = [...units][0] ?? null
    return {
      deal,
      total: (a) => formatMoneyIn(a, unit),
      totalNamed: (a) => formatMoneyIn(a, unit),
      figure: (a) => formatMoneyIn(a, unit),
      threshold: (a) => `${formatMoneyIn(a, unit)}+`,
      bound: (a) => formatMoneyIn(a, unit),
      atLeast: (a) => `${formatMoneyIn(a, unit)} or more`,
      unit: unit ?? '$',
      note: [],
    }
  }
  const bare = (a: number) => formatMoney(a).replace('$', '')
  const named = codes.filter((c): c is string => c !== null)
  const listed = `${named.join(', ')}${codes.includes(null) ? ' and none stated (written as $)' : ''}`
  return {
    deal,
    total: (a) => `${bare(a)} (mixed currencies)`,
    figure: bare,
    totalNamed: (a) => `${bare(a)} (mixed currencies: ${named.join(', ')}${codes.includes(null) ? ', none stated' : ''})`,
    threshold: (a) => `${bare(a)}+ in their own currency`,
    bound: (a) => `${bare(a)} in their own currency`,
    atLeast: (a) => `${bare(a)} or more in their own currency`,
    unit: null,
    note: [`Amounts are in each deal's own currency (${listed}): the totals add them up without conversion.`],
  }
}

/** A stored currency as an upper-case code (`eur` -> `EUR`); null when not stated. */
export function currencyCode(currency: string | null | undefined): string | null {
  return currency?.trim().toUpperCase() || null
}

/** Stored currencies as codes ({@link currencyCode}), each once, codes in order and null (not stated) last. */
export function currencyCodes(stored: readonly (string | null | undefined)[]): (string | null)[] {
  const codes = new Set(stored.map(currencyCode))
  return [...codes].sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
}

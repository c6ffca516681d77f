import { formatPercent } from '../../analytics/format-figures.js'

/** `0.314` -> `31%`, `0.045` -> `4.5%` (one decimal below 10%, as the CLI and the findings write it); null -> `n/a`. */
export function pct(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined) return 'n/a'
  return formatPercent(fraction)
}

/**
 * A rate and its limit as {@link pct} writes them, with a decimal (or two) more when they would
 * otherwise read the same: a month flagged below a 26.3% limit reads `26.0%`, not `26%` against `26%`.
 */
export function pctApart(rate: number | null, limit: number | null): [string, string] {
  let pair: [string, string] = [pct(rate), pct(limit)]
  if (rate === null || limit === null) return pair
  for (let digits = 1; digits <= 2 && pair[0] === pair[1] && rate !== limit; digits++) {
    pair = [`${(rate * 100).toFixed(digits)}%`, `${(limit * 100).toFixed(digits)}%`]
  }
  return pair
}

/** `1234567` -> `$1.2M`, `84000` -> `$84k`, `950` -> `$950`, `999600` -> `$1M` (rounded into the next unit, never `$1000k`). */
export function money(amount: number): string {
  const a = Math.abs(amount)
  const sign = amount < 0 ? '-' : ''
  const units: Array<[number, string]> = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ]
  for (const [size, suffix] of units) {
    // Judged after rounding, so 999,600 is $1M rather than $1000k.
    const text = short(a / size, suffix)
    if (Number(text) >= 1) return `${sign}$${text}${suffix}`
  }
  return `${sign}$${Math.round(a)}`
}

/**
 * An amount in its deal's currency: `$84k` for dollars or an unknown currency, `84k EUR` for any
 * other (never `$84k EUR`). The currency code is escaped for mrkdwn.
 */
export function moneyIn(amount: number, currency: string | null | undefined): string {
  if (!currency || currency.toUpperCase() === 'USD') return money(amount)
  return `${money(amount).replace('$', '')} ${esc(currency)}`
}

/** `12345` -> `12,345`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** `2024-06` -> `June 2024`. */
export function monthLabel(month: string): string {
  const d = new Date(`${month}-01T00:00:00Z`)
  return d.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' })
}

/** Escapes text for Slack mrkdwn (`&`, `<`, `>`). */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** `x` units as printed: one decimal below 100 (below 10 for thousands), a trailing `.0` dropped. */
function short(x: number, suffix: string): string {
  const digits = x < 9.95 || (suffix !== 'k' && x < 99.95) ? 1 : 0
  return x.toFixed(digits).replace(/\.0$/, '')
}

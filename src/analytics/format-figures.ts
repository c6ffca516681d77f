const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `2024-05` -> `May 2024`. */
export function formatMonth(month: string): string {
  return `${MONTHS[Number(month.slice(5, 7)) - 1] ?? month.slice(5, 7)} ${month.slice(0, 4)}`
}

/**
 * 0.314 -> `31%`; null -> `n/a`. Values below 10% keep one decimal (`4.5%`). Only a rate of exactly
 * 0 or 1 reads `0%` or `100%`: 199 won of 200 reads `99.5%`, 1 of 3,000 `<0.1%`, 2,999 of 3,000 `>99.9%`.
 * @example formatPercent(0.995) // '99.5%'
 */
export function formatPercent(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return 'n/a'
  const pct = rate * 100
  const text = pct !== 0 && Math.abs(pct) < 10 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`
  return percentNotAtEnds(pct, text)
}

/**
 * `text` (a percentage as written for `pct`) unless it reads as 0% or 100% while `pct` is neither:
 * then one decimal, or `<0.1%` / `>99.9%` when even that would round to the end. Rounding a win rate
 * of 199 in 200 to `100%` says no deal was lost. Shared with the charts' own percentage format.
 * @example percentNotAtEnds(99.5, '100%') // '99.5%'
 */
export function percentNotAtEnds(pct: number, text: string): string {
  if (pct > 0 && pct < 0.05) return '<0.1%'
  if (pct >= 99.95 && pct < 100) return '>99.9%'
  if (pct >= 99.5 && pct < 100) return `${pct.toFixed(1)}%`
  return text
}

/**
 * 1_234_567 -> `$1.2M`, 45_300 -> `$45k`, 4_500 -> `$4.5k`, 812 -> `$812`, 960_000 -> `$960k`,
 * 69e12 -> `$69T`; 999_600 -> `$1M` (rounded into the next unit only when the smaller one would
 * read 1000, never `$1000k`). Non-finite amounts read as an en dash. The one money format of the
 * CLI, the findings, Slack and the charts.
 * @example formatMoney(1_234_567) // '$1.2M'
 */
export function formatMoney(amount: number): string {
  if (!Number.isFinite(amount)) return '\u2013'
  const a = Math.abs(amount)
  const sign = amount < 0 ? '-' : ''
  for (const [size, suffix] of MONEY_UNITS) {
    // Round first so 999,950 becomes $1M rather than $1000k.
    if (a >= size * 0.9995) return `${sign}$${shortUnits(a / size, suffix)}${suffix}`
  }
  return `${sign}$${Math.round(a)}`
}

/**
 * An amount in its deal's currency: {@link formatMoney} for dollars or an unstated currency,
 * `84k EUR` for any other (never `$84k EUR`), the code upper-case as stored in any case (`eur`).
 * @example formatMoneyIn(84_000, 'EUR') // '84k EUR'
 */
export function formatMoneyIn(amount: number, currency: string | null | undefined): string {
  const code = currency?.trim().toUpperCase()
  if (!code || code === 'USD') return formatMoney(amount)
  return `${formatMoney(amount).replace('$', '')} ${code}`
}

const MONEY_UNITS: ReadonlyArray<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
]

/** `x` units as printed: one decimal below 100 (below 10 for thousands), a trailing `.0` dropped. */
function shortUnits(x: number, suffix: string): string {
  const digits = x < 9.95 || (suffix !== 'k' && x < 99.95) ? 1 : 0
  return x.toFixed(digits).replace(/\.0$/, '')
}

/**
 * A rate as a whole percentage, for model figures and reasons: 0.1412 -> `14%`, 0.045 -> `5%`.
 * As in {@link formatPercent}, only a rate of exactly 0 or 1 reads `0%` or `100%`: 0.004 reads
 * `0.4%`, 0.996 `99.6%` (a leaf that lost 1 deal of 250 did not win them all).
 * @example formatWholePercent(0.1412) // '14%'
 */
export function formatWholePercent(rate: number): string {
  const pct = rate * 100
  const whole = Math.round(pct)
  if ((whole === 0 && pct > 0) || (whole === 100 && pct < 100)) return percentNotAtEnds(pct, `${pct.toFixed(1)}%`)
  return `${whole}%`
}

/**
 * A rate and its limit as {@link formatPercent} writes them, with as many decimals more as they
 * need to read apart (up to six): a month flagged below a 26.3% limit reads `26.0%`, not `26%`
 * against `26%`; one a hair over a 37.89% limit reads `37.895%` against `37.894%`.
 */
export function formatPercentsApart(rate: number | null, limit: number | null): [string, string] {
  let pair: [string, string] = [formatPercent(rate), formatPercent(limit)]
  if (rate === null || limit === null) return pair
  for (let digits = 1; digits <= 6 && pair[0] === pair[1] && rate !== limit; digits++) {
    pair = [`${(rate * 100).toFixed(digits)}%`, `${(limit * 100).toFixed(digits)}%`]
  }
  return pair
}

/**
 * Two scores (a Brier score and the base rate's) with `digits` decimals, or as many more as they
 * need to read apart (up to eight): a model that scores worse by 0.00002 reads `0.19634` against
 * `0.19632`, not `0.1963` against `0.1963`. Equal scores read alike.
 * @example formatScoresApart(0.19633964, 0.19632002) // ['0.19634', '0.19632']
 */
export function formatScoresApart(a: number, b: number, digits = 4): [string, string] {
  let pair: [string, string] = [a.toFixed(digits), b.toFixed(digits)]
  for (let d = digits + 1; d <= 8 && pair[0] === pair[1] && a !== b; d++) pair = [a.toFixed(d), b.toFixed(d)]
  return pair
}

/** The level a q-value (or p-value) must stay below for a finding: drivers and funnel leaks alike. */
export const SIGNIFICANCE_LEVEL = 0.05

/**
 * A q- or p-value as a reader sees it: `q<0.001`, `q=0.012`. A value just below the 0.05 level keeps
 * the decimals that show it is below: a significant segment at q = 0.0496 reads `q=0.0496`, not
 * `q=0.050` (which reads as failing q < 0.05).
 * @example formatProbability('q', 0.0496) // 'q=0.0496'
 */
export function formatProbability(name: 'p' | 'q', value: number): string {
  if (value < 0.001) return `${name}<0.001`
  const below = value < SIGNIFICANCE_LEVEL
  for (let digits = 3; digits <= 5; digits++) {
    const text = value.toFixed(digits)
    if (Number(text) < SIGNIFICANCE_LEVEL === below) return `${name}=${text}`
  }
  return `${name}<${SIGNIFICANCE_LEVEL}`
}

/**
 * A count with thousands separators: `12345` -> `12,345`; a non-finite count reads as an en dash.
 * @example formatCount(1234) // '1,234'
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '\u2013'
  const r = Math.round(n)
  // Grouped by hand: `toLocaleString` would load ICU's number formatting (10-20 ms on a chart's first use).
  if (Math.abs(r) >= 1e21) return r.toLocaleString('en-US')
  const digits = String(Math.abs(r))
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return Object.is(r, -0) || r < 0 ? `-${grouped}` : grouped
}

/** A count with its noun in the right number: `(1, 'closed deal')` -> `1 closed deal`, `(1234, ...)` -> `1,234 closed deals`. */
export function formatCountOf(n: number, noun: string): string {
  return `${formatCount(n)} ${Math.round(n) === 1 ? noun : `${noun}s`}`
}

/**
 * A count of deals with its noun in the right number, an optional word between.
 * @example formatDeals(1, 'closed') // '1 closed deal'
 * @example formatDeals(12345) // '12,345 deals'
 */
export function formatDeals(n: number, kind?: string): string {
  return formatCountOf(n, kind ? `${kind} deal` : 'deal')
}

/**
 * An ISO date-time (UTC) to the minute, as status lines show it.
 * @example formatUtcMinute('2024-06-01T09:14:22.123Z') // '2024-06-01 09:14 UTC'
 */
export function formatUtcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}

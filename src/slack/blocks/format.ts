import {
  formatCount,
  formatCountOf,
  formatDeals,
  formatMoney,
  formatMoneyIn,
  formatPercent,
  formatPercentsApart,
} from '../../analytics/format-figures.js'
import { clip } from './block-kit.js'

/** `0.314` -> `31%`, `0.045` -> `4.5%` (one decimal below 10%, as the CLI and the findings write it); null -> `n/a`. */
export function pct(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined) return 'n/a'
  return formatPercent(fraction)
}

/** A rate and its limit, told apart by a decimal when they would read the same (see `formatPercentsApart`). */
export function pctApart(rate: number | null, limit: number | null): [string, string] {
  return formatPercentsApart(rate, limit)
}

/** An amount as the CLI and the findings write it (`formatMoney`): `$1.2M`, `$84k`, `$950`, never `$1000k`. */
export function money(amount: number): string {
  return formatMoney(amount)
}

/** An amount in its deal's currency as `formatMoneyIn` writes it (`$84k`, `84k EUR`), escaped for mrkdwn. */
export function moneyIn(amount: number, currency: string | null | undefined): string {
  return esc(formatMoneyIn(amount, currency))
}

/**
 * A deal's amount in a list or card: {@link moneyIn} (`money` for `currency: undefined`), or "no
 * amount" for a deal the CRM gave none (stored as 0), never "$0".
 */
export function dealAmount(deal: { readonly amount: number; readonly currency?: string | null; readonly amountMissing?: boolean }): string {
  if (deal.amountMissing) return 'no amount'
  return deal.currency === undefined ? money(deal.amount) : moneyIn(deal.amount, deal.currency)
}

/** `1` -> `1 deal`, `12345` -> `12,345 deals`. */
export function dealCount(n: number): string {
  return formatDeals(n)
}

/** `(1, 'closed deal')` -> `1 closed deal`, `(12345, ...)` -> `12,345 closed deals`. */
export function countOf(n: number, noun: string): string {
  return formatCountOf(n, noun)
}

/** `12345` -> `12,345`. */
export function count(n: number): string {
  return formatCount(n)
}

/** `2024-06` -> `June 2024`. */
export function monthLabel(month: string): string {
  const d = new Date(`${month}-01T00:00:00Z`)
  return d.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' })
}

/**
 * A name from the CRM (deal, stage, owner) for a line of a list: on one line (line breaks and tabs
 * read as spaces, so the item and its bold stay on its line) and cut to `max` characters before it
 * is escaped, so one long name neither crowds the other lines out nor loses the figures after it.
 */
export function escName(text: string, max = 120): string {
  return esc(clip(text.replace(/\s+/g, ' ').trim(), max))
}

/** Escapes text for Slack mrkdwn (`&`, `<`, `>`). */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

import { formatCount, formatMonth } from './format-figures.js'
import { MIN_BASELINE_DEALS, MIN_BASELINE_MONTHS } from './p-chart.js'

/** A complete month's closed deals, as the win-rate report and chart hold them. */
export interface ClosedMonthCounts {
  month: string
  won: number
  lost: number
  partial: boolean
}

/** A history long enough for a baseline in which every closed deal had the same outcome. */
export interface OneOutcomeHistory {
  outcome: 'won' | 'lost'
  /** Closed deals in the complete months, all of `outcome`. */
  deals: number
  /** First and last complete month with a closed deal (`YYYY-MM`). */
  from: string
  to: string
}

/**
 * Whether the complete months given (the partial one is ignored) are a history long enough for a
 * p-chart baseline before the latest of them ({@link MIN_BASELINE_MONTHS} months with closed deals
 * holding {@link MIN_BASELINE_DEALS} or more) in which every deal was lost, or every one won: such a
 * history sets no normal range because it has no spread, not because it is short. Null otherwise.
 * @example oneOutcomeHistory(eightMonthsOfTenLost) // { outcome: 'lost', deals: 80, from: '2025-01', to: '2025-08' }
 */
export function oneOutcomeHistory(months: readonly ClosedMonthCounts[]): OneOutcomeHistory | null {
  const closed = months.filter((m) => !m.partial && m.won + m.lost > 0)
  const earlier = closed.slice(0, -1)
  if (earlier.length < MIN_BASELINE_MONTHS || earlier.reduce((s, m) => s + m.won + m.lost, 0) < MIN_BASELINE_DEALS) return null
  const outcome = closed.every((m) => m.won === 0) ? 'lost' : closed.every((m) => m.lost === 0) ? 'won' : null
  if (outcome === null) return null
  return { outcome, deals: closed.reduce((s, m) => s + m.won + m.lost, 0), from: closed[0]!.month, to: closed[closed.length - 1]!.month }
}

/**
 * The sentence for a {@link OneOutcomeHistory}, without a final full stop; `scope` (such as ` (EMEA)`)
 * follows "deals".
 * @example oneOutcomeSentence(h) // 'None of the 80 deals closed from Jan 2025 to Aug 2025 was won: no normal range to judge the win rate by'
 */
export function oneOutcomeSentence(h: OneOutcomeHistory, scope = ''): string {
  const span = `from ${formatMonth(h.from)} to ${formatMonth(h.to)}`
  return h.outcome === 'lost'
    ? `None of the ${formatCount(h.deals)} deals${scope} closed ${span} was won: no normal range to judge the win rate by`
    : `All ${formatCount(h.deals)} deals${scope} closed ${span} were won: no normal range to judge the win rate by`
}

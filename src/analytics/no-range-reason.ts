import { formatCount, formatMonth } from './format-figures.js'
import { type ClosedMonthCounts, oneOutcomeHistory } from './one-outcome-history.js'

/**
 * Why the latest complete month has no normal range, as a clause for a verdict line: a history of
 * one outcome only has no spread to set one from ({@link oneOutcomeHistory}), which is not "too
 * little history"; otherwise there is too little history.
 * @example noRangeReason(sixMonthsAllLost) // 'none of the 240 deals closed from Jan 2024 to Jun 2024 was won, so there is no normal range to judge it by'
 */
export function noRangeReason(months: readonly ClosedMonthCounts[]): string {
  const h = oneOutcomeHistory(months)
  if (h === null) return 'too little history to judge against a normal range'
  const span = `from ${formatMonth(h.from)} to ${formatMonth(h.to)}`
  return h.outcome === 'lost'
    ? `none of the ${formatCount(h.deals)} deals closed ${span} was won, so there is no normal range to judge it by`
    : `all ${formatCount(h.deals)} deals closed ${span} were won, so there is no normal range to judge it by`
}

import { formatPercent, formatPercentsApart } from './format-figures.js'
import type { WinrateMonth } from './report-types.js'

/** A month's win rate and control limits as every text states them. */
export interface MonthLimitFigures {
  readonly rate: string
  readonly lcl: string
  readonly ucl: string
}

/**
 * A month's rate, lower and upper limit as {@link formatPercent} writes them; a flagged rate and
 * the limit it crossed keep the decimals that tell them apart (26.0% against 26.1%, not 26%
 * against 26%). The one place these figures are formatted, so the report table, its finding, the
 * summary and the chart's alt text state the same limits for the same month.
 * @example formatMonthLimits({ winRate: 0.2601, lcl: 0.2608, ucl: 0.4336, anomaly: 'low' }) // { rate: '26.0%', lcl: '26.1%', ucl: '43%' }
 */
export function formatMonthLimits(m: Pick<WinrateMonth, 'winRate' | 'lcl' | 'ucl' | 'anomaly'>): MonthLimitFigures {
  if (m.anomaly === 'low') {
    const [rate, lcl] = formatPercentsApart(m.winRate, m.lcl)
    return { rate, lcl, ucl: formatPercent(m.ucl) }
  }
  if (m.anomaly === 'high') {
    const [rate, ucl] = formatPercentsApart(m.winRate, m.ucl)
    return { rate, lcl: formatPercent(m.lcl), ucl }
  }
  return { rate: formatPercent(m.winRate), lcl: formatPercent(m.lcl), ucl: formatPercent(m.ucl) }
}

import type { TopLevelSpec } from 'vega-lite'
import { formatCount } from '../analytics/format-figures.js'
import { COLORS, FONT_SIZES, formatPercent, LAYOUT } from './chart-theme.js'
import type { HealthScoreInput } from './model-chart-inputs.js'
import { emptyChart, type ReportChart, titleBlock } from './report-chart.js'

/** Scores below this are "at risk" (highlighted). */
export const AT_RISK_BELOW = 40
/** Scores at or above this are "healthy". */
export const HEALTHY_FROM = 70

/** One bar of the distribution (exported for tests). */
export interface HealthScoreBin {
  /** `0-9`, `10-19`, ..., `90-100` */
  bin: string
  from: number
  count: number
  zone: 'At risk' | 'Watch' | 'Healthy'
}

/**
 * Distribution of open deals' health scores (0-100) in bins of 10, coloured by zone (at risk
 * below 40, healthy from 70), each bar labelled with its count. The title counts the deals at
 * risk; when the model is uninformative, the subtitle says the scores are not predictions.
 */
export function healthScoreChart(input: HealthScoreInput): ReportChart {
  const scores = input.scores.filter((s) => Number.isFinite(s))
  if (scores.length === 0) return emptyChart('No open deals have a health score yet', 'Run `pulse score` after training the model.')
  const bins: HealthScoreBin[] = Array.from({ length: 10 }, (_, i) => ({
    bin: i === 9 ? '90-100' : `${i * 10}-${i * 10 + 9}`,
    from: i * 10,
    count: 0,
    zone: i * 10 < AT_RISK_BELOW ? 'At risk' : i * 10 >= HEALTHY_FROM ? 'Healthy' : 'Watch',
  }))
  for (const s of scores) bins[Math.min(9, Math.max(0, Math.floor(s / 10)))]!.count++
  const atRisk = scores.filter((s) => s < AT_RISK_BELOW).length
  const title = `${formatCount(atRisk)} of ${formatCount(scores.length)} open deals (${formatPercent(atRisk / scores.length)}) score below ${AT_RISK_BELOW}`
  const caveat = input.informative === false ? ' The model does not beat its baseline, so these scores are not predictions of winning.' : ''
  const maxCount = Math.max(...bins.map((b) => b.count))
  const spec = {
    title: titleBlock(title, `Open deals by health score (0-100).${caveat}`),
    width: LAYOUT.width,
    height: 200,
    data: { values: bins },
    encoding: { x: { field: 'bin', type: 'ordinal', sort: bins.map((b) => b.bin), axis: { title: 'Health score', labelAngle: 0 } } },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusTopLeft: 2, cornerRadiusTopRight: 2 },
        encoding: {
          y: {
            field: 'count',
            type: 'quantitative',
            scale: { domain: [0, maxCount * 1.15], nice: false },
            // Whole deals only: with one or two open deals the axis must not count 0.5 of a deal.
            axis: { title: 'Open deals', tickCount: 4, tickMinStep: 1 },
          },
          color: {
            field: 'zone',
            type: 'nominal',
            scale: { domain: ['At risk', 'Watch', 'Healthy'], range: [COLORS.highlight, COLORS.neutral, COLORS.primary] },
            legend: { title: null, orient: 'bottom', direction: 'horizontal' },
          },
        },
      },
      {
        mark: { type: 'text', baseline: 'bottom', dy: -3, color: COLORS.ink, fontSize: FONT_SIZES.markLabel },
        encoding: {
          y: { field: 'count', type: 'quantitative', scale: { domain: [0, maxCount * 1.15], nice: false } },
          text: { field: 'count', type: 'quantitative', format: ',' },
        },
        name: 'countLabels',
      },
    ],
  } as TopLevelSpec
  const alt = bins.map((b) => `${b.bin}: ${formatCount(b.count)}`).join('; ')
  return { spec, title, altText: `${title}. Histogram of health scores by bins of 10. ${alt}.` }
}

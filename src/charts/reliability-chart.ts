import type { TopLevelSpec } from 'vega-lite'
import { formatCount } from '../analytics/format-figures.js'
import { COLORS, FONT_SIZES, formatPercent } from './chart-theme.js'
import type { ReliabilityInput } from './model-chart-inputs.js'
import { emptyChart, type ReportChart, titleBlock } from './report-chart.js'

const SIZE = 340

/**
 * The mean of predicted minus observed (weighted by deals) when the predictions miss one way: the
 * signed gap is most of the absolute gap, rounds to a point or more, and the wins observed differ
 * from the wins the predictions expect by more than chance (|z| >= 2 against the binomial spread
 * of the bins' mean predictions). Null otherwise.
 */
function systematicBias(bins: readonly { predicted: number; observed: number; n: number }[]): number | null {
  const total = bins.reduce((s, b) => s + b.n, 0)
  const signed = bins.reduce((s, b) => s + b.n * (b.predicted - b.observed), 0) / total
  const absolute = bins.reduce((s, b) => s + b.n * Math.abs(b.predicted - b.observed), 0) / total
  const variance = bins.reduce((s, b) => s + b.n * b.predicted * (1 - b.predicted), 0)
  const z = variance > 0 ? (signed * total) / Math.sqrt(variance) : 0
  if (Math.round(Math.abs(signed) * 100) < 1 || Math.abs(signed) < 0.8 * absolute || Math.abs(z) < 2) return null
  return signed
}

/**
 * Reliability diagram of the win-probability model: mean predicted probability (x) against the
 * observed win rate (y) per bin, point area by deals in the bin, with the diagonal of perfect
 * calibration. The title gives the average gap in points (weighted by deals), or which way and how
 * far the predictions run when they miss one way beyond chance, or says plainly that the model does
 * not beat its baseline.
 */
export function reliabilityChart(input: ReliabilityInput): ReportChart {
  const bins = input.bins.filter((b) => b.n > 0)
  if (bins.length === 0) return emptyChart('No calibration data yet', 'Train the model (`pulse train`) to see how its predictions hold up.')
  const total = bins.reduce((s, b) => s + b.n, 0)
  const gap = bins.reduce((s, b) => s + b.n * Math.abs(b.observed - b.predicted), 0) / total
  const gapPts = Math.round(gap * 100)
  const points = (n: number) => `${n} ${n === 1 ? 'point' : 'points'}`
  const bias = systematicBias(bins)
  const title =
    input.informative === false
      ? 'The model does not beat its baseline: its probabilities are not predictions'
      : bias !== null
        ? `Predicted win chances run about ${points(Math.round(Math.abs(bias) * 100))} too ${bias > 0 ? 'high' : 'low'}, on average`
        : `Predicted win chances are within ${points(gapPts)} of what happened, on average`
  // Equal-size bins (deciles) say their size once in the subtitle; otherwise each point is
  // labelled with its n unless another labelled point is too close for the label to stay clear.
  const sizes = bins.map((b) => b.n)
  const equalSized = Math.max(...sizes) <= 1.2 * Math.min(...sizes)
  const labelled: Array<{ predicted: number; observed: number }> = []
  const rows = bins.map((b) => {
    const clear =
      !equalSized && labelled.every((o) => Math.abs(o.predicted - b.predicted) > 0.12 || Math.abs(o.observed - b.observed) > 0.06)
    if (clear) labelled.push(b)
    return { ...b, label: clear ? `n=${formatCount(b.n)}` : '' }
  })
  const groups = equalSized
    ? `${bins.length} groups of about ${formatCount(Math.round(total / bins.length))} held-out deals by predicted probability`
    : `${formatCount(total)} held-out deals grouped by predicted probability`
  const axis = (title: string) => ({ title, format: '.0%', tickCount: 5, grid: true })
  const scale = { domain: [0, 1], nice: false }
  const spec = {
    title: titleBlock(title, `${groups}; dashed: perfect calibration.`, SIZE + 60),
    width: SIZE,
    height: SIZE,
    layer: [
      {
        data: { values: [{ p: 0 }, { p: 1 }] },
        mark: { type: 'line', color: COLORS.center, strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: {
          x: { field: 'p', type: 'quantitative', scale, axis: axis('Predicted win probability') },
          y: { field: 'p', type: 'quantitative', scale, axis: axis('Observed win rate') },
        },
        name: 'diagonal',
      },
      {
        data: { values: rows },
        layer: [
          {
            mark: { type: 'line', color: COLORS.primary, strokeWidth: 2 },
            encoding: { x: { field: 'predicted', type: 'quantitative', scale }, y: { field: 'observed', type: 'quantitative', scale } },
          },
          {
            mark: { type: 'circle', color: COLORS.primary, opacity: 0.9, stroke: COLORS.background, strokeWidth: 1 },
            encoding: {
              x: { field: 'predicted', type: 'quantitative', scale },
              y: { field: 'observed', type: 'quantitative', scale },
              size: { field: 'n', type: 'quantitative', scale: { range: [30, 220], zero: true }, legend: null },
            },
            name: 'bins',
          },
          // Labels sit below-right of each point, away from the rising line; near the floor, to the right.
          {
            transform: [{ filter: 'datum.observed >= 0.12' }],
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 10, dy: 7, color: COLORS.muted, fontSize: FONT_SIZES.markLabel - 1 },
            encoding: {
              x: { field: 'predicted', type: 'quantitative', scale },
              y: { field: 'observed', type: 'quantitative', scale },
              text: { field: 'label' },
            },
          },
          {
            transform: [{ filter: 'datum.observed < 0.12' }],
            mark: { type: 'text', align: 'left', baseline: 'middle', dx: 12, color: COLORS.muted, fontSize: FONT_SIZES.markLabel - 1 },
            encoding: {
              x: { field: 'predicted', type: 'quantitative', scale },
              y: { field: 'observed', type: 'quantitative', scale },
              text: { field: 'label' },
            },
          },
        ],
      },
    ],
  } as TopLevelSpec
  const alt = rows
    .map((b) => `predicted ${formatPercent(b.predicted)}, observed ${formatPercent(b.observed)} (n=${formatCount(b.n)})`)
    .join('; ')
  return { spec, title, altText: `${title}. Reliability diagram with the diagonal of perfect calibration. ${alt}.` }
}

import type { TopLevelSpec } from 'vega-lite'
import { formatCount } from '../analytics/format-figures.js'
import { COLORS, FONT_SIZES, formatPercent } from './chart-theme.js'
import type { ReliabilityBin, ReliabilityInput } from './model-chart-inputs.js'
import { emptyChart, type ReportChart, titleBlock } from './report-chart.js'
import { chartTextMeasurer } from './text-metrics.js'

const SIZE = 340
/** Font size (CSS px) of the points' `n=` labels. */
const LABEL_SIZE = FONT_SIZES.markLabel - 1
/** Below this observed rate a point's label goes to its right rather than below-right. */
const FLOOR = 0.12
/** Area (CSS px²) of the smallest and the largest point. */
const POINT_AREA = [30, 220] as const

/**
 * Whether `b`'s label, drawn where the chart draws it (below-right of the point, or right of it
 * near the floor), keeps clear of every other point, the line joining the points and the
 * diagonal. Works in the plot's CSS pixels (y down).
 */
function labelStaysClear(b: ReliabilityBin, label: string, bins: readonly ReliabilityBin[]): boolean {
  const at = (p: { predicted: number; observed: number }) => ({ x: p.predicted * SIZE, y: (1 - p.observed) * SIZE })
  const { x, y } = at(b)
  const width = chartTextMeasurer().width(label, LABEL_SIZE)
  const box =
    b.observed >= FLOOR
      ? { x1: x + 10, y1: y + 7, x2: x + 10 + width, y2: y + 7 + LABEL_SIZE }
      : { x1: x + 12, y1: y - LABEL_SIZE / 2, x2: x + 12 + width, y2: y + LABEL_SIZE / 2 }
  // The largest radius a point of n deals is drawn with (vega may round the size domain up, which only draws points smaller).
  const maxN = Math.max(...bins.map((o) => o.n))
  const radius = (n: number) => Math.sqrt((POINT_AREA[0] + ((POINT_AREA[1] - POINT_AREA[0]) * n) / maxN) / Math.PI)
  const gap = (p: { x: number; y: number }) => Math.hypot(Math.max(box.x1 - p.x, 0, p.x - box.x2), Math.max(box.y1 - p.y, 0, p.y - box.y2))
  if (bins.some((o) => o !== b && gap(at(o)) < radius(o.n) + 1)) return false
  // The line joins the points in order of prediction; the diagonal runs corner to corner.
  const line = [...bins].sort((p, q) => p.predicted - q.predicted).map(at)
  const segments = [
    ...line.slice(1).map((p, i) => [line[i]!, p] as const),
    [at({ predicted: 0, observed: 0 }), at({ predicted: 1, observed: 1 })] as const,
  ]
  return segments.every(([p, q]) => {
    const steps = Math.ceil(Math.hypot(q.x - p.x, q.y - p.y))
    for (let i = 0; i <= steps; i++) {
      const t = steps === 0 ? 0 : i / steps
      if (gap({ x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t }) < 1.5) return false
    }
    return true
  })
}

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
  // labelled with its n unless another labelled point is too close for the label to stay clear,
  // or the label would sit on another point, the line or the diagonal.
  const sizes = bins.map((b) => b.n)
  const equalSized = Math.max(...sizes) <= 1.2 * Math.min(...sizes)
  const labelled: Array<{ predicted: number; observed: number }> = []
  const rows = bins.map((b) => {
    const label = `n=${formatCount(b.n)}`
    const clear =
      !equalSized &&
      labelled.every((o) => Math.abs(o.predicted - b.predicted) > 0.12 || Math.abs(o.observed - b.observed) > 0.06) &&
      labelStaysClear(b, label, bins)
    if (clear) labelled.push(b)
    return { ...b, label: clear ? label : '' }
  })
  const groups = equalSized
    ? bins.length === 1
      ? // Every deal got the same prediction (a tree with no split): one group, of all of them.
        `${formatCount(total)} held-out deal${total === 1 ? '' : 's'}, all given the same predicted probability`
      : `${bins.length} groups of about ${formatCount(Math.round(total / bins.length))} held-out deals by predicted probability`
    : `${formatCount(total)} held-out deals grouped by predicted probability`
  // The bins measure the tree before the shift toward the newest deals' win rate; the scores users see carry it.
  const correction =
    input.shifted === undefined || input.informative === false
      ? null
      : `The win probabilities shown for open deals are ${input.shifted} toward the newest deals' win rate${
          bias !== null && bias > 0 === (input.shifted === 'lowered') ? ' to correct this' : ''
        }.`
  const axis = (title: string) => ({ title, format: '.0%', tickCount: 5, grid: true })
  const scale = { domain: [0, 1], nice: false }
  const spec = {
    title: titleBlock(title, `${groups}; dashed: perfect calibration.${correction === null ? '' : ` ${correction}`}`, SIZE + 60),
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
              size: { field: 'n', type: 'quantitative', scale: { range: [...POINT_AREA], zero: true }, legend: null },
            },
            name: 'bins',
          },
          // Labels sit below-right of each point, away from the rising line; near the floor, to the right.
          {
            transform: [{ filter: `datum.observed >= ${FLOOR}` }],
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 10, dy: 7, color: COLORS.muted, fontSize: LABEL_SIZE },
            encoding: {
              x: { field: 'predicted', type: 'quantitative', scale },
              y: { field: 'observed', type: 'quantitative', scale },
              text: { field: 'label' },
            },
          },
          {
            transform: [{ filter: `datum.observed < ${FLOOR}` }],
            mark: { type: 'text', align: 'left', baseline: 'middle', dx: 12, color: COLORS.muted, fontSize: LABEL_SIZE },
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
  const note = correction === null ? '' : ` ${correction}`
  return { spec, title, altText: `${title}.${note} Reliability diagram with the diagonal of perfect calibration. ${alt}.` }
}

import type { TopLevelSpec } from 'vega-lite'
import { formatCount, formatDeals } from '../analytics/format-figures.js'
import type { DriverSegment, DriversReport, SegmentField } from '../analytics/report-types.js'
import { AMOUNT_BANDS } from '../domain/amount-band.js'
import { COLORS, FONT_SIZES, formatPercent, LAYOUT } from './chart-theme.js'
import { fitLabels } from './fit-labels.js'
import { emptyChart, type ReportChart, titleBlock } from './report-chart.js'
import { chartTextMeasurer } from './text-metrics.js'

/** Options of {@link driversChart}: the two segment fields of the grid. */
export interface DriversChartOptions {
  /** Field down the side; default `region`. */
  readonly rows?: SegmentField
  /** Field across the top; default `amount_band`. */
  readonly columns?: SegmentField
}

/** One cell of the heatmap (exported for tests). */
export interface DriversChartCell {
  row: string
  column: string
  n: number
  winRate: number
  significant: boolean
  /** n below the report's minimum: drawn grey, never coloured. */
  small: boolean
  rateLabel: string
  nLabel: string
  /** Text colour with enough contrast on the cell's fill. */
  textColor: string
}

/** Most rows / columns drawn; the values with the most deals are kept. */
const MAX_ROWS = 20
const MAX_COLUMNS = 8
/** Widest row label (CSS px at the axis label size); longer values are shortened with an ellipsis. */
const ROW_LABEL_MAX = 180

const FIELD_NAMES: Record<SegmentField, string> = {
  region: 'Region',
  industry: 'Industry',
  product_type: 'Product',
  lead_source: 'Lead source',
  sales_rep_id: 'Rep',
  amount_band: 'Amount band',
}

/**
 * Drivers heatmap over two segment fields (default region x amount band): colour = win rate on a
 * diverging scale centred on the overall rate (orange below, blue above); every cell labelled
 * with its rate and n; cells below the report's minimum n grey; significant cells (BH-corrected)
 * outlined. The title names the significant cell furthest from the overall rate, or says none differs.
 */
export function driversChart(report: DriversReport, options: DriversChartOptions = {}): ReportChart {
  const rowField = options.rows ?? 'region'
  const colField = options.columns ?? 'amount_band'
  const pair = `${FIELD_NAMES[rowField].toLowerCase()} x ${FIELD_NAMES[colField].toLowerCase()}`
  const overall = report.overallWinRate
  const allPairs = gridSegments(report, rowField, colField)
  // A grid taller than MAX_ROWS is unreadable on a phone: keep the values with the most deals.
  const keptRows = topValues(allPairs, rowField, MAX_ROWS)
  const keptCols = topValues(allPairs, colField, MAX_COLUMNS)
  const segments = allPairs.filter((s) => keptRows.has(s.segment[rowField]!) && keptCols.has(s.segment[colField]!))
  const trimmed = allPairs.length > segments.length
  if (segments.length === 0 || overall === null) {
    const why =
      report.n === 0
        ? 'There are no closed deals in this period.'
        : report.where[rowField] !== undefined && report.where[colField] !== undefined
          ? 'The filters fix both fields: the report is one cell.'
          : report.n === 1
            ? 'There is only 1 closed deal: no others to compare it with.'
            : !varies(report, rowField) && !varies(report, colField)
              ? `All ${formatDeals(report.n, 'closed')} share one ${FIELD_NAMES[rowField].toLowerCase()} and one ${FIELD_NAMES[colField].toLowerCase()}: there are no others to compare them with.`
              : 'Each pair holds the deals of one of its values, so none was tested.'
    return emptyChart(`No ${pair} segments to chart`, why)
  }
  const eligible = segments.filter((s) => s.n >= report.minN)
  const spread = Math.max(0.1, ...eligible.map((s) => Math.abs(s.winRate - overall)))
  const cells = segments.map((s): DriversChartCell => {
    const small = s.n < report.minN
    const strong = Math.abs(s.winRate - overall) / spread > 0.75
    return {
      row: s.segment[rowField]!,
      column: s.segment[colField]!,
      n: s.n,
      winRate: s.winRate,
      significant: s.significant && !small,
      small,
      rateLabel: formatPercent(s.winRate),
      nLabel: `n=${formatCount(s.n)}`,
      textColor: small ? COLORS.muted : strong ? COLORS.background : COLORS.ink,
    }
  })
  const rowOrder = orderValues(
    rowField,
    cells.map((c) => c.row),
  )
  const colOrder = orderValues(
    colField,
    cells.map((c) => c.column),
  )
  const significantCount = cells.filter((c) => c.significant).length
  const title = driversTitle(segments, overall, rowField, colField, pair, report.minN)
  const cellWidth = Math.max(56, Math.min(120, Math.floor((LAYOUT.width - 120) / colOrder.length)))
  // Long values are shortened by the chart (never by vega, which only cuts the end, so values that
  // share a long prefix would all read alike); the alt text keeps the full names.
  // Column names wider than their cell are set at an angle (up to the row labels' width) rather than cut to a few letters.
  const measurer = chartTextMeasurer()
  const angled = colOrder.some((c) => measurer.width(c, FONT_SIZES.axisLabel) > cellWidth - 8)
  const colLabelMax = angled ? ROW_LABEL_MAX : cellWidth - 8
  const colLabels = fitLabels(colOrder, colLabelMax)
  const rowLabels = fitLabels(rowOrder, ROW_LABEL_MAX)

  const x = {
    field: 'column',
    type: 'ordinal' as const,
    sort: colOrder,
    axis: {
      title: FIELD_NAMES[colField],
      orient: 'top' as const,
      labelAngle: angled ? -40 : 0,
      ...(angled ? { labelAlign: 'left' as const, labelBaseline: 'middle' as const, labelOverlap: false } : {}),
      domain: false,
      ticks: false,
      labelColor: COLORS.ink,
      labelLimit: colLabelMax + 2,
      labelExpr: `${JSON.stringify(colLabels)}[datum.value]`,
    },
  }
  const y = {
    field: 'row',
    type: 'ordinal' as const,
    sort: rowOrder,
    axis: {
      title: FIELD_NAMES[rowField],
      domain: false,
      ticks: false,
      labelColor: COLORS.ink,
      labelLimit: ROW_LABEL_MAX + 2,
      labelExpr: `${JSON.stringify(rowLabels)}[datum.value]`,
    },
  }
  const spec = {
    title: titleBlock(title, [
      `Win rate by ${pair} vs ${formatPercent(overall)} overall: blue above, orange below. Grey: under ${report.minN} deals. Outlined: significant (${formatCount(report.tested)} tests, corrected)${significantCount > 1 ? `; ${significantCount} segments differ` : ''}.${trimmed ? ` Showing the ${keptRows.size} ${FIELD_NAMES[rowField].toLowerCase()} and ${keptCols.size} ${FIELD_NAMES[colField].toLowerCase()} values with the most deals.` : ''}`,
    ]),
    width: { step: cellWidth },
    height: { step: 44 },
    data: { values: cells },
    encoding: { x, y },
    config: { scale: { bandPaddingInner: 0.06 } },
    // The text colour channel is literal (scale: null) and must not merge with the win-rate scale.
    resolve: { scale: { color: 'independent' } },
    layer: [
      {
        transform: [{ filter: '!datum.small' }],
        mark: { type: 'rect', cornerRadius: 2 },
        encoding: {
          color: {
            field: 'winRate',
            type: 'quantitative',
            scale: {
              domain: [overall - spread, overall, overall + spread],
              range: [COLORS.divergingLow, COLORS.divergingMid, COLORS.divergingHigh],
              clamp: true,
              // Lab keeps the ends orange and blue; hcl would pass through purple.
              interpolate: 'lab',
            },
            legend: {
              title: 'Win rate',
              format: '.0%',
              orient: 'bottom',
              direction: 'horizontal',
              gradientLength: 200,
              values: legendValues(overall, spread),
            },
          },
        },
        name: 'cells',
      },
      {
        transform: [{ filter: 'datum.small' }],
        mark: { type: 'rect', cornerRadius: 2, color: COLORS.insufficient },
        name: 'smallCells',
      },
      {
        transform: [{ filter: 'datum.significant' }],
        mark: { type: 'rect', cornerRadius: 2, filled: false, stroke: COLORS.ink, strokeWidth: 2.5 },
        name: 'significantOutline',
      },
      {
        mark: { type: 'text', dy: -7, fontWeight: 'bold', fontSize: FONT_SIZES.markLabel + 1 },
        encoding: { text: { field: 'rateLabel' }, color: { field: 'textColor', type: 'nominal', scale: null } },
      },
      {
        mark: { type: 'text', dy: 9, fontSize: FONT_SIZES.markLabel - 1 },
        encoding: { text: { field: 'nLabel' }, color: { field: 'textColor', type: 'nominal', scale: null } },
      },
    ],
  } as TopLevelSpec
  const alt = cells
    .map(
      (c) =>
        `${c.row}, ${c.column}: ${c.rateLabel} of ${formatCount(c.n)}${c.small ? ' (too few deals)' : c.significant ? ' (significant)' : ''}`,
    )
    .join('; ')
  return { spec, title, altText: `${title}. Heatmap of win rate by ${pair}, overall ${formatPercent(overall)}. ${alt}.` }
}

/**
 * Whether `field` takes more than one value across the report's deals: it is not fixed by a filter
 * and its values were tested (a value holding every closed deal has no others to be tested against).
 */
function varies(report: DriversReport, field: SegmentField): boolean {
  return (
    report.where[field] === undefined && report.segments.some((s) => Object.keys(s.segment).length === 1 && s.segment[field] !== undefined)
  )
}

/** The row (or column) label of a field that has one value across the deals: its value is in no segment. */
const ONE_VALUE = 'All'

/**
 * The grid's cells: the report's pairs of the two fields, or, when a filter fixes one of them
 * (`--where region=EMEA`: pairs with it are not tested), the other field's own segments, each
 * placed at the filtered value; when one field has a single value (so no pair was tested), the
 * other field's own segments in one row (or column) named {@link ONE_VALUE}.
 */
function gridSegments(report: DriversReport, rowField: SegmentField, colField: SegmentField): DriverSegment[] {
  const fixedRow = report.where[rowField]
  const fixedCol = report.where[colField]
  if (fixedRow !== undefined && fixedCol !== undefined) return []
  if (fixedRow === undefined && fixedCol === undefined) {
    const pairs = report.segments.filter((s) => isPair(s, rowField, colField))
    if (pairs.length > 0) return pairs
    // One field with a single value (every deal in one region) pairs with nothing: the other
    // field's own segments, in one row (or column) named "All".
    const singles = (field: SegmentField) =>
      report.segments.filter((s) => Object.keys(s.segment).length === 1 && s.segment[field] !== undefined)
    const [rowSingles, colSingles] = [singles(rowField), singles(colField)]
    if (rowSingles.length > 0 === colSingles.length > 0) return []
    const [oneField, otherField, others] = rowSingles.length > 0 ? [colField, rowField, rowSingles] : [rowField, colField, colSingles]
    return others.map((s) => ({ ...s, segment: { [oneField]: ONE_VALUE, [otherField]: s.segment[otherField] } }))
  }
  const [fixedField, fixedValue, otherField] =
    fixedRow !== undefined ? [rowField, fixedRow, colField] : [colField, fixedCol as string, rowField]
  return report.segments
    .filter((s) => Object.keys(s.segment).length === 1 && s.segment[otherField] !== undefined)
    .map((s) => ({ ...s, segment: { [fixedField]: fixedValue, [otherField]: s.segment[otherField] } }))
}

/** The `limit` values of `field` with the most closed deals. */
function topValues(segments: readonly DriverSegment[], field: SegmentField, limit: number): Set<string> {
  const totals = new Map<string, number>()
  for (const s of segments) totals.set(s.segment[field]!, (totals.get(s.segment[field]!) ?? 0) + s.n)
  return new Set(
    [...totals]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([v]) => v),
  )
}

function isPair(s: DriverSegment, a: SegmentField, b: SegmentField): boolean {
  const keys = Object.keys(s.segment)
  return keys.length === 2 && s.segment[a] !== undefined && s.segment[b] !== undefined
}

/** Values in reading order: amount bands by size, anything else alphabetically with numbers in number order (`Team 2` before `Team 10`). */
function orderValues(field: SegmentField, values: string[]): string[] {
  const unique = [...new Set(values)]
  const natural = new Intl.Collator('en', { numeric: true }).compare
  if (field === 'amount_band') {
    const known = AMOUNT_BANDS as readonly string[]
    return unique.sort((p, q) => rank(known, p) - rank(known, q) || natural(p, q))
  }
  return unique.sort(natural)
}

/** The legend's labelled rates: the ends of the colour scale, kept within 0-100%, and the overall rate. */
function legendValues(overall: number, spread: number): number[] {
  const ends = [overall - spread, overall + spread].map((v) => Math.min(1, Math.max(0, v)))
  // An end clipped right next to the overall rate would print on top of it.
  const clear = ends.filter((v) => Math.abs(v - overall) >= spread / 3)
  return [...clear.filter((v) => v < overall), overall, ...clear.filter((v) => v > overall)]
}

function rank(order: readonly string[], value: string): number {
  const i = order.indexOf(value)
  return i < 0 ? order.length : i
}

function driversTitle(
  segments: readonly DriverSegment[],
  overall: number,
  rowField: SegmentField,
  colField: SegmentField,
  pair: string,
  minN: number,
): string {
  // The headline is the significant cell furthest from the overall rate (q-values all underflow
  // to ~0 on large data, so they cannot rank the cells).
  const gap = (s: DriverSegment) => Math.abs(s.winRate - overall)
  const significant = segments.filter((s) => s.significant).sort((p, q) => gap(q) - gap(p) || q.n - p.n)
  const top = significant[0]
  // With no cell large enough to be called significant (nor enough others to compare it with),
  // "none differs" would be a verdict the data cannot give, as the report's own sentence says.
  if (!top && !segments.some((s) => s.n >= minN && s.othersN >= minN)) {
    return `Too few closed deals to judge any ${pair} segment (none has ${minN} and ${minN} others)`
  }
  if (!top) return `No ${pair} segment's win rate differs significantly from the ${formatPercent(overall)} overall`
  const name = [top.segment[rowField], top.segment[colField]].filter((v) => v !== ONE_VALUE).join(' ')
  return `${name} deals win ${formatPercent(top.winRate)} vs ${formatPercent(overall)} overall`
}

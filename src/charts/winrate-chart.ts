import type { TopLevelSpec } from 'vega-lite'
import { formatCount } from '../analytics/format-figures.js'
import { formatMonthLimits } from '../analytics/format-month-limits.js'
import { oneOutcomeHistory, oneOutcomeSentence } from '../analytics/one-outcome-history.js'
import type { WinrateReport } from '../analytics/report-types.js'
import { COLORS, FONT_SIZES, formatCompactCount, formatMonth, formatPercent, LAYOUT, monthName } from './chart-theme.js'
import { emptyChart, type ReportChart, titleBlock } from './report-chart.js'
import { chartTextMeasurer } from './text-metrics.js'

/** The parts of a win-rate report the chart reads (a full `WinrateReport` fits). */
export type WinrateChartInput = Pick<WinrateReport, 'asOf' | 'months'> & Partial<Pick<WinrateReport, 'runSignals'>>

/** One row of the chart's data (exported for tests). */
export interface WinrateChartRow {
  month: string
  winRate: number | null
  lcl: number | null
  ucl: number | null
  center: number | null
  n: number
  /** Closed deals won (of `n`). */
  won: number
  created: number
  partial: boolean
  anomaly: 'low' | 'high' | null
  /** Point style: a circle in the series colour, or a triangle in red (low) / green (high) for an anomaly. */
  pointShape: string
  pointColor: string
  pointSize: number
  /** First month of a run of same-direction anomalies: the run's label goes here. */
  anomalyStart: boolean
  /** `n=84`: closed deals, drawn under each month. */
  nLabel: string
}

const TOP_HEIGHT = 220
/** How far below its point the "partial" label sits when set below it (CSS px). */
const PARTIAL_LABEL_DY = 16
/** How far above or below its point a "below range" / "above range" label sits (CSS px). */
const ANOMALY_LABEL_DY = 10
/** How far a mark label reaches below its baseline (CSS px): the room it needs above the strip below 0%. */
const LABEL_DESCENT = 4
/** Height (CSS px) of the strip under 0% that holds the closed-deal labels (set level; upright ones get more). */
const LABEL_STRIP = 16
/** Width (CSS px) an upright closed-deal label needs, space to the next one included. */
const UPRIGHT_LABEL_PITCH = 8
const BOTTOM_HEIGHT = 80

/**
 * Monthly win rate with its control-limit band (shaded, per month) and centre line (dashed);
 * anomalies marked with a triangle and "below/above range"; the partial month drawn with a hollow
 * point, a dashed segment and the word "partial"; closed deals per month as `n=` labels; a second
 * panel with deals created per month (the partial month's bar hollow), so "volume steady, win rate
 * falling" is one picture. The title states the finding when there is one.
 */
export function winrateChart(report: WinrateChartInput): ReportChart {
  const months = report.months
  if (months.length === 0) return emptyChart('No closed deals to chart yet', 'Import deals or widen the filters, then try again.')

  const rows: WinrateChartRow[] = months.map((m) => ({
    month: m.month,
    winRate: m.winRate,
    lcl: m.lcl,
    ucl: m.ucl,
    center: m.center,
    n: m.won + m.lost,
    won: m.won,
    created: m.created ?? 0,
    partial: m.partial,
    anomaly: m.partial ? null : m.anomaly,
    nLabel: `n=${formatCount(m.won + m.lost)}`,
    anomalyStart: false,
    ...pointStyle(m.partial ? null : m.anomaly),
  }))
  rows.forEach((r, i) => {
    r.anomalyStart = r.anomaly !== null && rows[i - 1]?.anomaly !== r.anomaly
  })
  // Closed-deal labels go compact (42k), then lose "n=" and shrink, when months get narrow; vertical as a last resort.
  const nFit = fitClosedLabels(rows)
  const monthOrder = rows.map((r) => r.month)
  const complete = rows.filter((r) => !r.partial && r.winRate !== null)
  const partial = rows.find((r) => r.partial && r.winRate !== null)
  const lastComplete = complete[complete.length - 1]
  const partialMonth = rows.find((r) => r.partial)?.month
  const hasVolume = months.some((m) => (m.created ?? 0) > 0)

  const title = winrateTitle(rows)
  const first = formatMonth(monthOrder[0]!)
  const last = formatMonth(monthOrder[monthOrder.length - 1]!)
  // The key names only what is drawn: no band or centre line without a baseline.
  const key = [
    ...(rows.some((r) => !r.partial && r.lcl !== null && r.ucl !== null) ? ['Shaded: normal range (control limits)'] : []),
    ...(rows.some((r) => r.center !== null) ? ['dashed: centre line'] : []),
    `${nFit.prefixed ? 'n' : 'bottom numbers'}\u00a0=\u00a0deals\u00a0closed${nFit.every > 1 ? ` (every ${nFit.every === 2 ? 'other' : `${nFit.every}${nFit.every === 3 ? 'rd' : 'th'}`} month)` : ''}`,
  ].join('; ')
  const subtitle = [
    `Monthly win rate, ${first === last ? first : `${first} to ${last}`}. ${key.startsWith('n\u00a0') ? key : `${key.charAt(0).toUpperCase()}${key.slice(1)}`}.`,
    ...(report.runSignals ?? []).slice(-1).map((s) => `Also: ${s.name} (to ${formatMonth(s.months[s.months.length - 1] ?? '')}).`),
  ]

  // The partial month's band is not drawn, so its (wide) limits do not stretch the axis.
  const yTop = Math.max(...rows.flatMap((r) => [r.winRate ?? 0, r.partial ? 0 : (r.ucl ?? 0), r.center ?? 0]))
  const yMax = Math.min(1, Math.ceil((yTop + 0.04) * 10) / 10)
  const x = {
    field: 'month',
    type: 'ordinal' as const,
    sort: monthOrder,
    scale: { domain: monthOrder, paddingInner: 0.15, paddingOuter: 0.1 },
  }
  // A strip below 0% holds the closed-deal labels, so a month at 0% never runs through its label.
  const yMin = -yMax * (nFit.strip / (TOP_HEIGHT - nFit.strip))
  // yMax is a whole number of tenths: the step divides it, so the top of the axis is labelled.
  const tenths = Math.round(yMax * 10)
  const tickStep = tenths <= 2 ? 0.05 : tenths <= 7 || tenths % 2 === 1 ? 0.1 : 0.2
  const ticks = Array.from({ length: Math.floor(yMax / tickStep + 1e-9) + 1 }, (_, i) => Math.round(i * tickStep * 100) / 100)
  const y = {
    type: 'quantitative' as const,
    scale: { domain: [yMin, yMax], nice: false },
    axis: { format: '.0%', values: ticks, title: null },
  }
  const segmentRows = partial && lastComplete ? [lastComplete, partial] : []
  const loneCenters = rows.filter(
    (r, i) => r.center !== null && (rows[i - 1]?.center ?? null) === null && (rows[i + 1]?.center ?? null) === null,
  )
  // "partial" goes opposite the last month's anomaly label, else away from the dashed segment.
  // Layers for the partial month exist only when there is one to draw.
  const partialLayers = <T>(layers: T[]): T[] => (partial ? layers : [])
  // A label set below a point near 0% would run into the closed-deal strip: it goes above instead.
  const pixelsPerUnit = TOP_HEIGHT / (yMax - yMin)
  const roomBelow = (rate: number | null, dy: number) => (rate ?? 0) * pixelsPerUnit >= dy + LABEL_DESCENT
  const partialBelow =
    partial !== undefined &&
    lastComplete !== undefined &&
    roomBelow(partial.winRate, PARTIAL_LABEL_DY) &&
    (lastComplete.anomaly === 'high' || (lastComplete.anomaly === null && (lastComplete.winRate ?? 0) > (partial.winRate ?? 0)))

  const top = {
    width: LAYOUT.width,
    height: TOP_HEIGHT,
    data: { values: rows },
    encoding: { x: { ...x, axis: hasVolume ? { labels: false, ticks: false, title: null } : monthAxis(monthOrder, partialMonth) } },
    layer: [
      {
        transform: [{ filter: 'datum.lcl != null && datum.ucl != null && !datum.partial' }],
        mark: { type: 'rect', color: COLORS.band },
        encoding: { y: { field: 'lcl', ...y }, y2: { field: 'ucl' } },
      },
      {
        transform: [{ filter: 'datum.center != null' }],
        mark: { type: 'line', color: COLORS.center, strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { y: { field: 'center', ...y } },
      },
      // A line through one point draws nothing: a month whose neighbours have no centre gets a dashed rule across it.
      ...(loneCenters.length > 0
        ? [
            {
              data: { values: loneCenters },
              mark: { type: 'rule', color: COLORS.center, strokeDash: [4, 3], strokeWidth: 1.5 },
              encoding: {
                x: { ...x, bandPosition: 0, axis: null },
                x2: { field: 'month', bandPosition: 1 },
                y: { field: 'center', ...y },
              },
              name: 'centerTicks',
            },
          ]
        : []),
      {
        // Months with nothing closed stay in (as null) so the line breaks there instead of bridging the gap.
        transform: [{ filter: '!datum.partial' }],
        mark: { type: 'line', color: COLORS.primary, strokeWidth: 2.5 },
        encoding: { y: { field: 'winRate', ...y } },
      },
      ...partialLayers([
        {
          data: { values: segmentRows },
          mark: { type: 'line', color: COLORS.partial, strokeWidth: 2, strokeDash: [5, 4] },
          encoding: { y: { field: 'winRate', ...y } },
          name: 'partialSegment',
        },
      ]),
      // One layer for every complete month's point; anomalies get their own shape, colour and size
      // from the row (literal values, scale: null), which costs far less than a layer per kind.
      {
        transform: [{ filter: '!datum.partial && datum.winRate != null' }],
        mark: { type: 'point', filled: true, opacity: 1 },
        encoding: {
          y: { field: 'winRate', ...y },
          shape: { field: 'pointShape', type: 'nominal', scale: null, legend: null },
          color: { field: 'pointColor', type: 'nominal', scale: null, legend: null },
          size: { field: 'pointSize', type: 'quantitative', scale: null, legend: null },
        },
        name: 'points',
      },
      ...partialLayers([
        {
          transform: [{ filter: 'datum.partial && datum.winRate != null' }],
          mark: { type: 'point', filled: false, color: COLORS.partial, size: 70, strokeWidth: 2, opacity: 1, fill: COLORS.background },
          encoding: { y: { field: 'winRate', ...y } },
          name: 'partialPoint',
        },
      ]),
      ...anomalyLabels(rows, y, (rate) => roomBelow(rate, ANOMALY_LABEL_DY)),
      ...partialLayers(
        withHalo({
          transform: [{ filter: 'datum.partial && datum.winRate != null' }],
          mark: {
            type: 'text',
            color: COLORS.partial,
            dy: partialBelow ? PARTIAL_LABEL_DY : -14,
            fontSize: FONT_SIZES.markLabel,
            fontStyle: 'italic',
          },
          encoding: { y: { field: 'winRate', ...y }, text: { value: 'partial' } },
          name: 'partialLabel',
        }),
      ),
      {
        // vega offsets an angled label along its own (turned) axes: dx lifts an upright label off the
        // bottom of the strip, where dy would push it sideways into the month before.
        mark: {
          type: 'text',
          color: COLORS.muted,
          ...(nFit.angle ? { align: 'left' as const, baseline: 'middle' as const, dx: 3 } : { baseline: 'bottom' as const, dy: -3 }),
          fontSize: nFit.fontSize,
          angle: nFit.angle,
        },
        encoding: { y: { datum: yMin, ...y }, text: { field: 'nLabel' } },
        name: 'closedLabels',
      },
    ],
  }

  const bottom = {
    width: LAYOUT.width,
    height: BOTTOM_HEIGHT,
    title: {
      text: 'Deals created per month',
      fontSize: FONT_SIZES.axisTitle,
      fontWeight: 'normal' as const,
      color: COLORS.muted,
      offset: 6,
    },
    data: { values: rows },
    encoding: { x: { ...x, axis: monthAxis(monthOrder, partialMonth) } },
    layer: [
      // The partial month's bar is hollow and dashed: it is not a drop in volume, just unfinished.
      {
        mark: { type: 'bar', strokeWidth: 1.5 },
        encoding: {
          y: {
            field: 'created',
            type: 'quantitative',
            // Whole deals only: a month or two with one deal created must not read 0, 500m, 1.
            axis: { tickCount: 3, tickMinStep: 1, title: null, labelExpr: "datum.value == 0 ? '0' : format(datum.value, '~s')" },
          },
          fill: { condition: { test: 'datum.partial', value: COLORS.background }, value: COLORS.primaryLight },
          stroke: { condition: { test: 'datum.partial', value: COLORS.partial }, value: null },
          strokeDash: { condition: { test: 'datum.partial', value: [4, 3] }, value: [1, 0] },
        },
        name: 'createdBars',
      },
    ],
  }

  const spec = {
    title: titleBlock(title, subtitle),
    ...(hasVolume ? { vconcat: [top, bottom], spacing: 14, resolve: { scale: { x: 'shared' } } } : top),
  } as TopLevelSpec

  return { spec, title, altText: winrateAltText(title, rows, hasVolume) }
}

function pointStyle(anomaly: 'low' | 'high' | null): { pointShape: string; pointColor: string; pointSize: number } {
  if (anomaly === 'low') return { pointShape: 'triangle-down', pointColor: COLORS.low, pointSize: 130 }
  if (anomaly === 'high') return { pointShape: 'triangle-up', pointColor: COLORS.high, pointSize: 130 }
  return { pointShape: 'circle', pointColor: COLORS.primary, pointSize: 45 }
}

/**
 * One "below range" / "above range" label per run of consecutive anomalies, beside the month the
 * run starts: on its left (where the line arrives from the normal range, so the run's own line is
 * never crossed), or on its right for the first month shown.
 */
function anomalyLabels(rows: readonly WinrateChartRow[], y: object, roomBelow: (rate: number | null) => boolean) {
  return rows.flatMap((r, i) => {
    if (!r.anomalyStart || r.anomaly === null) return []
    const low = r.anomaly === 'low'
    // A low month's label goes under it, unless that would put it in the closed-deal strip.
    const below = low && roomBelow(r.winRate)
    const left = i > 0
    return withHalo({
      transform: [{ filter: `datum.month == '${r.month}'` }],
      mark: {
        type: 'text',
        color: low ? COLORS.low : COLORS.high,
        fontWeight: 'bold',
        fontSize: FONT_SIZES.markLabel,
        align: left ? 'right' : 'left',
        dx: left ? -10 : 10,
        dy: below ? ANOMALY_LABEL_DY : -ANOMALY_LABEL_DY,
      },
      encoding: { y: { field: 'winRate', ...y }, text: { value: low ? 'below range' : 'above range' } },
      name: `anomalyLabel_${r.month}`,
    })
  })
}

/** A text layer preceded by a white copy with a wide stroke, so lines and bands never run through the label. */
function withHalo<T extends { mark: object; name: string }>(layer: T): [T, T] {
  return [
    {
      ...layer,
      mark: { ...layer.mark, color: COLORS.background, stroke: COLORS.background, strokeWidth: 4, strokeJoin: 'round' },
      name: `${layer.name}Halo`,
    },
    layer,
  ]
}

/**
 * Month axis: `Jun` under the labelled months, the year under the first labelled month of each
 * year, "partial" under the partial month. When months are too narrow for every label, every k-th
 * month is labelled, counting back from the last one so the latest and partial months always are.
 */
function monthAxis(order: readonly string[], partialMonth: string | undefined) {
  const band = LAYOUT.width / Math.max(1, order.length)
  const widest = Math.max(
    ...order.map((m) => chartTextMeasurer().width(m === partialMonth ? 'partial' : formatMonth(m, true), FONT_SIZES.axisLabel)),
  )
  const every = Math.max(1, Math.ceil((widest + 8) / band))
  const labels: Record<string, string[]> = {}
  let lastYear = ''
  order.forEach((m, i) => {
    if ((order.length - 1 - i) % every !== 0) {
      labels[m] = ['']
      return
    }
    const lines = [formatMonth(m, true)]
    if (m.slice(0, 4) !== lastYear) lines.push(m.slice(0, 4))
    lastYear = m.slice(0, 4)
    if (m === partialMonth) lines.push('partial')
    labels[m] = lines
  })
  return { title: null, labelAngle: 0, labelOverlap: false, labelExpr: `${JSON.stringify(labels)}[datum.value]`, labelPadding: 4 }
}

/**
 * The largest style of closed-deal label that fits every month's width, and the height (CSS px) of
 * the strip under 0% that holds it: labels set upright, reading up from the bottom of the plot,
 * get a strip as tall as the longest of them.
 */
function fitClosedLabels(rows: WinrateChartRow[]): ClosedLabelFit {
  const band = (LAYOUT.width / Math.max(1, rows.length)) * 0.92
  const measurer = chartTextMeasurer()
  const widest = (size: number) => Math.max(...rows.map((r) => measurer.width(r.nLabel, size)))
  if (widest(10) <= band) return { fontSize: 10, angle: 0, prefixed: true, strip: LABEL_STRIP, every: 1 }
  for (const r of rows) r.nLabel = `n=${formatCompactCount(r.n)}`
  if (widest(10) <= band) return { fontSize: 10, angle: 0, prefixed: true, strip: LABEL_STRIP, every: 1 }
  for (const r of rows) r.nLabel = formatCompactCount(r.n)
  if (widest(9) <= band) return { fontSize: 9, angle: 0, prefixed: false, strip: LABEL_STRIP, every: 1 }
  // An upright label takes about 8 px across: past about 70 months, every k-th month is labelled,
  // counting back from the latest (as the month axis does), instead of the labels running together.
  const every = Math.ceil(UPRIGHT_LABEL_PITCH / (LAYOUT.width / rows.length))
  rows.forEach((r, i) => {
    if ((rows.length - 1 - i) % every !== 0) r.nLabel = ''
  })
  return { fontSize: 9, angle: -90, prefixed: false, strip: Math.max(LABEL_STRIP, Math.ceil(widest(9)) + 8), every }
}

/** How the closed-deal labels are set: size, angle, whether they keep `n=`, the strip they need, and which months get one. */
interface ClosedLabelFit {
  fontSize: number
  angle: number
  prefixed: boolean
  /** Height (CSS px) of the strip under 0% that holds the labels. */
  strip: number
  /** Every `every`-th month is labelled, counting back from the latest (1: every month). */
  every: number
}

/** Title that states the finding: the latest complete month's verdict, or the most recent anomaly. */
function winrateTitle(rows: readonly WinrateChartRow[]): string {
  const complete = rows.filter((r) => !r.partial && r.winRate !== null)
  const last = complete[complete.length - 1]
  if (rows.length > 1 && rows.every((r) => r.n === 0)) {
    return `No deals closed from ${formatMonth(rows[0]!.month)} to ${formatMonth(rows[rows.length - 1]!.month)}`
  }
  if (!last) {
    // Only the partial month shown (--months 1): it is never judged, whatever the history.
    const only = rows.length === 1 && rows[0]!.partial ? rows[0]! : undefined
    if (only) {
      const sofar =
        only.winRate === null
          ? 'no deal has closed in it yet'
          : `${formatPercent(only.winRate)} so far for ${formatCount(only.n)} closed deal${only.n === 1 ? '' : 's'}, not judged`
      return `${monthName(only.month)} is still under way: ${sofar}`
    }
    return 'Not enough closed deals yet to judge the win rate'
  }
  if (last.anomaly !== null) {
    // The run of same-direction anomalies the latest month belongs to.
    let start = complete.length - 1
    while (start > 0 && complete[start - 1]!.anomaly === last.anomaly) start--
    const since = complete[start]!
    const side = last.anomaly === 'low' ? 'below' : 'above'
    if (since !== last) return `Win rate has been ${side} its normal range since ${monthName(since.month)}`
    return last.anomaly === 'low'
      ? `Win rate fell below its normal range in ${monthName(last.month)}`
      : `Win rate rose above its normal range in ${monthName(last.month)}`
  }
  const previous = [...complete].reverse().find((r) => r.anomaly !== null)
  if (previous) {
    return `Win rate is back within its normal range after ${previous.anomaly === 'low' ? 'a low' : 'a high'} ${formatMonth(previous.month)}`
  }
  if (last.lcl === null) {
    // History enough for a baseline but all of one outcome: the p-chart has no spread, not too little history.
    const oneSided = oneOutcomeHistory(complete.map((r) => ({ month: r.month, won: r.won, lost: r.n - r.won, partial: false })))
    if (oneSided) return oneOutcomeSentence(oneSided)
    return `Win rate was ${formatPercent(last.winRate ?? 0)} in ${monthName(last.month)} for ${formatCount(last.n)} closed deal${last.n === 1 ? '' : 's'}; too little history for a normal range`
  }
  return `Win rate is within its normal range: ${formatPercent(last.winRate ?? 0)} in ${monthName(last.month)}`
}

/** Slack's limit on a file's alt text (`alt_txt`): the alt text is written to fit it. */
const ALT_TEXT_MAX = 1000

/**
 * The title, what is drawn, then every month, newest last; when that is longer than Slack takes,
 * the oldest months are summed up in one phrase (their range of rates and any flags) so the latest
 * months, the ones a reader acts on, stay whole.
 */
function winrateAltText(title: string, rows: readonly WinrateChartRow[], hasVolume: boolean): string {
  const parts = rows.map((r) => {
    let rate = r.winRate === null ? 'no closed deals' : `${formatPercent(r.winRate)} won of ${formatCount(r.n)} closed`
    let range = r.lcl !== null && r.ucl !== null && !r.partial ? `, range ${formatPercent(r.lcl)}-${formatPercent(r.ucl)}` : ''
    if (r.winRate !== null && r.lcl !== null && r.ucl !== null && r.anomaly !== null) {
      // A flagged month must not read as sitting on its limit: the figures its finding states.
      const f = formatMonthLimits(r)
      rate = `${f.rate} won of ${formatCount(r.n)} closed`
      range = `, range ${f.lcl}-${f.ucl}`
    }
    const flag = r.partial ? ' (partial month, not judged)' : r.anomaly ? ` (${r.anomaly === 'low' ? 'below' : 'above'} range)` : ''
    const vol = hasVolume ? `, ${formatCount(r.created)} created` : ''
    return `${formatMonth(r.month)}: ${rate}${range}${flag}${vol}`
  })
  const head = `${title}. Line chart of monthly win rate with its normal range${hasVolume ? ' and deals created per month' : ''}. `
  const text = (summed: number) =>
    `${head}${[...(summed > 0 ? [earlierMonths(rows.slice(0, summed))] : []), ...parts.slice(summed)].join('; ')}.`
  let summed = 0
  while (summed < rows.length - 1 && text(summed).length > ALT_TEXT_MAX) summed++
  return text(summed)
}

/** `Aug 2023 to Mar 2025: 31%-38% won a month, 1 above range`: months too many to list one by one. */
function earlierMonths(rows: readonly WinrateChartRow[]): string {
  const span =
    rows.length === 1 ? formatMonth(rows[0]!.month) : `${formatMonth(rows[0]!.month)} to ${formatMonth(rows[rows.length - 1]!.month)}`
  const rates = rows.flatMap((r) => (r.winRate === null ? [] : [r.winRate]))
  const lo = formatPercent(Math.min(...rates))
  const hi = formatPercent(Math.max(...rates))
  const won = rates.length === 0 ? 'no closed deals' : `${lo === hi ? lo : `${lo}-${hi}`} won a month`
  const low = rows.filter((r) => r.anomaly === 'low').length
  const high = rows.filter((r) => r.anomaly === 'high').length
  const flags = [...(low > 0 ? [`${low} below range`] : []), ...(high > 0 ? [`${high} above range`] : [])]
  return `${span}: ${won}, ${flags.length > 0 ? flags.join(' and ') : 'none flagged'}`
}

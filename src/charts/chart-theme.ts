import type { Config } from 'vega-lite'
import { formatMoney, percentNotAtEnds } from '../analytics/format-figures.js'
import { FULL_MONTH_NAMES } from '../domain/dates.js'

/** The one font every chart is drawn with; its TTF files ship in the `dejavu-fonts-ttf` package. */
export const CHART_FONT = 'DejaVu Sans'

/**
 * The palette every chart uses. Colours that carry meaning are never the only carrier:
 * anomalies also get a label, the partial month a hollow point and the word "partial".
 */
export const COLORS = {
  /** Titles, labels on light backgrounds. */
  ink: '#1f2933',
  /** Subtitles, axis labels, secondary labels. */
  muted: '#52606d',
  /** Grid lines and domain lines. */
  grid: '#e4e7eb',
  /** The main series (win rate, reached). */
  primary: '#1d4ed8',
  /** A lighter companion of `primary` (advanced, volume bars). */
  primaryLight: '#93c5fd',
  /** The normal range (control-limit band). */
  band: '#dbeafe',
  /** The centre line of the normal range. */
  center: '#64748b',
  /** Neutral bars (early stages, context). */
  neutral: '#94a3b8',
  /** Highlight: late stages, the worst offenders. */
  highlight: '#c2410c',
  /** An anomaly below the normal range. */
  low: '#b91c1c',
  /** An anomaly above the normal range. */
  high: '#15803d',
  /** The partial month and anything not to be read as a result. */
  partial: '#6b7280',
  /** Heatmap cells with too few deals to colour. */
  insufficient: '#e5e7eb',
  /** Diverging scale: below the overall rate, at it, above it. */
  divergingLow: '#c2410c',
  divergingMid: '#f8fafc',
  divergingHigh: '#2166ac',
  /** Background of every image. */
  background: '#ffffff',
} as const

/** Font sizes in CSS pixels at 1x (the PNG is drawn at 2x); sized to stay legible when Slack shrinks a chart to a phone's width. */
export const FONT_SIZES = {
  title: 17,
  subtitle: 13,
  axisTitle: 12,
  axisLabel: 12,
  markLabel: 12,
  legend: 12,
} as const

/** Layout defaults in CSS pixels at 1x. */
export const LAYOUT = {
  /** Plot width of a full-width chart (Slack shows images up to about 360-680 px wide). */
  width: 560,
  /** Height of one horizontal bar (band step). */
  barStep: 26,
  /** Padding around the whole image. */
  padding: 16,
  /** Widest stage name on a bar chart's axis (vega's default label limit); longer ones are shortened. */
  stageLabelMax: 180,
} as const

/** Pixel ratio of the PNG: 2 keeps charts crisp on retina screens and phones. */
export const PIXEL_RATIO = 2

/**
 * A fraction as a whole percentage: `0.4123` -> `41%`. Below 1% (and not zero) one decimal is kept
 * so a small rate never reads as `0%`, and a rate short of 1 never reads as `100%` (`0.995` ->
 * `99.5%`, see {@link percentNotAtEnds}). Non-finite values become an en dash.
 * @example formatPercent(0.41) // '41%'
 */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '\u2013'
  const pct = fraction * 100
  return percentNotAtEnds(pct, pct !== 0 && Math.abs(pct) < 1 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`)
}

/**
 * Two rates as percentages with as many decimals (up to two) as it takes to tell them apart, so a
 * rate just outside a limit never reads the same as the limit: `(0.2608, 0.2641)` -> `['26.1%', '26.4%']`.
 * @example formatPercentsApart(0.41, 0.3) // ['41%', '30%']
 */
export function formatPercentsApart(a: number, b: number): [string, string] {
  let pair: [string, string] = [formatPercent(a), formatPercent(b)]
  for (let digits = 1; digits <= 2 && pair[0] === pair[1] && a !== b; digits++) {
    pair = [`${(a * 100).toFixed(digits)}%`, `${(b * 100).toFixed(digits)}%`]
  }
  return pair
}

/**
 * A signed change in percentage points: `0.052` -> `+5 pts`, `-0.031` -> `-3 pts`.
 * @example formatPoints(-0.05) // '-5 pts'
 */
export function formatPoints(delta: number): string {
  if (!Number.isFinite(delta)) return '\u2013'
  const pts = Math.round(delta * 100)
  return `${pts > 0 ? '+' : pts < 0 ? '\u2212' : ''}${Math.abs(pts)} pts`
}

/**
 * A count in at most four characters: `950`, `1.2k`, `42k`, `1.3M`.
 * @example formatCompactCount(42_226) // '42k'
 */
export function formatCompactCount(n: number): string {
  if (!Number.isFinite(n)) return '\u2013'
  return formatMoney(n).replace('$', '')
}

/**
 * `YYYY-MM` as a short month label: `2025-06` -> `Jun 2025`, or `Jun` with `short`.
 * @example formatMonth('2025-06') // 'Jun 2025'
 */
export function formatMonth(month: string, short = false): string {
  const m = Number(month.slice(5, 7))
  const name = MONTH_NAMES[m - 1] ?? month
  return short ? name : `${name} ${month.slice(0, 4)}`
}

/** The full month name of `YYYY-MM`: `2025-06` -> `June`. */
export function monthName(month: string): string {
  const m = Number(month.slice(5, 7))
  return FULL_MONTH_NAMES[m - 1] ?? month
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * The vega-lite config every chart is compiled with: font, sizes, colours, white background,
 * light grid, no chart border. Spec builders leave styling to this config and set only what
 * carries meaning.
 */
export const CHART_CONFIG: Config = {
  font: CHART_FONT,
  background: COLORS.background,
  padding: LAYOUT.padding,
  view: { stroke: null },
  title: {
    font: CHART_FONT,
    fontSize: FONT_SIZES.title,
    fontWeight: 'bold',
    color: COLORS.ink,
    anchor: 'start',
    offset: 12,
    subtitleFont: CHART_FONT,
    subtitleFontSize: FONT_SIZES.subtitle,
    subtitleColor: COLORS.muted,
    subtitlePadding: 4,
  },
  axis: {
    labelFont: CHART_FONT,
    labelFontSize: FONT_SIZES.axisLabel,
    labelColor: COLORS.muted,
    titleFont: CHART_FONT,
    titleFontSize: FONT_SIZES.axisTitle,
    titleFontWeight: 'normal',
    titleColor: COLORS.muted,
    gridColor: COLORS.grid,
    domainColor: COLORS.grid,
    tickColor: COLORS.grid,
    labelOverlap: true,
  },
  legend: {
    labelFont: CHART_FONT,
    labelFontSize: FONT_SIZES.legend,
    labelColor: COLORS.muted,
    titleFont: CHART_FONT,
    titleFontSize: FONT_SIZES.legend,
    titleFontWeight: 'normal',
    titleColor: COLORS.muted,
    orient: 'bottom',
  },
  header: {
    labelFont: CHART_FONT,
    labelFontSize: FONT_SIZES.axisTitle,
    labelColor: COLORS.ink,
    titleFont: CHART_FONT,
    titleFontSize: FONT_SIZES.axisTitle,
  },
  text: { font: CHART_FONT, fontSize: FONT_SIZES.markLabel, color: COLORS.ink },
  concat: { spacing: 20 },
}

import type { TopLevelSpec } from 'vega-lite'
import { type ReportFilters, segmentFieldWords } from '../analytics/report-types.js'
import { COLORS, FONT_SIZES, LAYOUT } from './chart-theme.js'
import { wrapText } from './text-metrics.js'

/**
 * What every spec builder returns: the vega-lite spec (styling comes from the theme at render
 * time), the title that states the finding, and alt text for screen readers and Slack's
 * `alt_text` (one paragraph, values included, no markup).
 */
export interface ReportChart {
  readonly spec: TopLevelSpec
  readonly title: string
  readonly altText: string
}

/** Total CSS width of a full-width chart image (plot, axes and padding). */
export const CHART_WIDTH = LAYOUT.width + 80

/**
 * The vega-lite title block: the finding in bold, wrapped to the chart width, and a muted
 * subtitle saying what is drawn.
 */
export function titleBlock(title: string, subtitle: string | string[], width: number = CHART_WIDTH - 2 * LAYOUT.padding) {
  const subtitles = Array.isArray(subtitle) ? subtitle : [subtitle]
  return {
    text: wrapText(title, width, FONT_SIZES.title, true),
    subtitle: subtitles.flatMap((s) => wrapText(s, width, FONT_SIZES.subtitle)),
  }
}

/**
 * A chart with nothing to plot: the title and one muted sentence, same size and look as the
 * others, so an empty report still renders to a readable image.
 */
export function emptyChart(title: string, message: string, altText?: string): ReportChart {
  const width = CHART_WIDTH - 2 * LAYOUT.padding
  // Wrapped like the title: a message naming many deals or long values stays within the chart's width.
  const lines = wrapText(message, width, FONT_SIZES.subtitle)
  const lineHeight = Math.round(FONT_SIZES.subtitle * 1.4)
  const spec: TopLevelSpec = {
    title: titleBlock(title, []),
    width,
    height: 24 + (lines.length - 1) * lineHeight,
    data: { values: [{ message: lines }] },
    mark: { type: 'text', align: 'left', baseline: 'top', lineHeight, color: COLORS.muted, fontSize: FONT_SIZES.subtitle },
    encoding: { text: { field: 'message', type: 'nominal' }, x: { value: 0 }, y: { value: 8 - FONT_SIZES.subtitle / 2 } },
  }
  return { spec, title, altText: altText ?? `${title}. ${message}` }
}

/** Joins phrases into a sentence list: `a`, `a and b`, `a, b and c` (or `or`). */
export function joinPhrases(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items[0] ?? ''
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`
}

/**
 * The sentence naming a report's filters, `Only deals with region EMEA and amount band 50k-100k.`,
 * or `''` without filters.
 */
export function filterNote(where: ReportFilters | undefined): string {
  const parts = Object.entries(where ?? {}).flatMap(([field, value]) =>
    value === undefined ? [] : [`${segmentFieldWords(field)} ${value}`],
  )
  return parts.length > 0 ? `Only deals with ${joinPhrases(parts)}.` : ''
}

/**
 * `chart` with its report's filters stated first in the subtitle and right after the title in the
 * alt text, so a chart of one region is never read (or shared) as the whole company's.
 */
export function withFilterNote(chart: ReportChart, where: ReportFilters | undefined): ReportChart {
  const note = filterNote(where)
  if (!note) return chart
  const spec = chart.spec as TopLevelSpec & { title?: { text: string[]; subtitle?: string[] } }
  const lines = wrapText(note, CHART_WIDTH - 2 * LAYOUT.padding, FONT_SIZES.subtitle)
  const title = spec.title ? { text: spec.title.text, subtitle: [...lines, ...(spec.title.subtitle ?? [])] } : undefined
  const head = `${chart.title}.`
  const altText = chart.altText.startsWith(head) ? `${head} ${note}${chart.altText.slice(head.length)}` : `${note} ${chart.altText}`
  return { ...chart, spec: { ...spec, ...(title ? { title } : {}) } as TopLevelSpec, altText }
}

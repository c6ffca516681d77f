import type { TopLevelSpec } from 'vega-lite'
import { formatCount, formatDeals } from '../analytics/format-figures.js'
import type { FunnelReport } from '../analytics/report-types.js'
import { COLORS, FONT_SIZES, formatPercent, LAYOUT } from './chart-theme.js'
import { stageAxis } from './fit-labels.js'
import { emptyChart, type ReportChart, titleBlock } from './report-chart.js'

/** One row of the funnel chart (exported for tests). */
export interface FunnelChartRow {
  stage: string
  reached: number
  advanced: number
  /** True for the last row, the won stage: drawn as "won", with no conversion. */
  won: boolean
  /** True for the stage with the highest leakage. */
  topLeak: boolean
  /** `79% advance · 388 lost`, or `1,720 won`. */
  label: string
}

/**
 * The funnel: for each stage in order, deals that reached it (light bar) and went past it (dark
 * bar inside it), labelled with the conversion to the next stage and the deals lost there; the
 * leak the report found (else the stage that leaks the most) is labelled in the highlight colour. The
 * last stage is the won stage.
 */
export function funnelChart(report: FunnelReport): ReportChart {
  const stages = report.stages
  const marked = markedStage(report)
  if (stages.length === 0 || stages.every((s) => s.reached === 0)) {
    return emptyChart('No deals in the funnel yet', 'Import deals or widen the filters, then try again.')
  }
  const rows = stages.map((s, i): FunnelChartRow => {
    const won = i === stages.length - 1
    return {
      stage: s.stage,
      reached: s.reached,
      advanced: won ? s.reached : s.advanced,
      won,
      topLeak: s.stage === marked,
      // A stage no deal reached has no conversion (the report's null, `-` in the text), not 0%.
      label: won
        ? `${formatCount(s.reached)} won`
        : s.conversion === null
          ? `${formatCount(s.reached)} reached`
          : `${formatCount(s.reached)} \u2192 ${formatPercent(s.conversion)} advance \u00b7 ${formatCount(s.lost)} lost`,
    }
  })
  const first = stages[0]!
  const last = stages[stages.length - 1]!
  const title = funnelTitle(report)
  const maxReached = Math.max(...rows.map((r) => r.reached))
  const order = rows.map((r) => r.stage)
  const x = { type: 'quantitative' as const, scale: { domain: [0, maxReached * 1.75], nice: false }, axis: null }

  // Deals at a stage outside the open ones are in no bar: said under the title, or the won share reads higher than it is.
  const unplaced = report.unplaced ?? 0
  const leftOut =
    unplaced > 0
      ? `${formatCount(unplaced)} lost or open ${unplaced === 1 ? 'deal is' : 'deals are'} left out: ${unplaced === 1 ? 'its' : 'their'} stage is not one of the open stages, or not on record.`
      : null
  const spec = {
    title: titleBlock(title, [
      `Deals that reached each stage (light) and went past it (dark). ${wonSoFar(first.reached, first.stage, last.reached)}`,
      ...(leftOut && !title.includes('left out') ? [leftOut] : []),
    ]),
    width: LAYOUT.width - 90,
    height: { step: LAYOUT.barStep + 10 },
    data: { values: rows },
    encoding: {
      y: {
        field: 'stage',
        type: 'nominal',
        sort: order,
        axis: stageAxis(order),
      },
    },
    layer: [
      {
        mark: { type: 'bar', color: COLORS.band, stroke: COLORS.primaryLight, strokeWidth: 1 },
        encoding: { x: { field: 'reached', ...x } },
      },
      {
        mark: { type: 'bar', height: { band: 0.5 } },
        encoding: {
          x: { field: 'advanced', ...x },
          color: { condition: { test: 'datum.won', value: COLORS.high }, value: COLORS.primary },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 6, fontSize: FONT_SIZES.markLabel },
        encoding: {
          x: { field: 'reached', ...x },
          text: { field: 'label' },
          color: { condition: { test: 'datum.topLeak', value: COLORS.highlight }, value: COLORS.ink },
        },
        name: 'conversionLabels',
      },
    ],
  } as TopLevelSpec
  const alt = rows.map((r) => `${r.stage}: ${r.label}`).join('; ')
  return {
    spec,
    title,
    altText: `${title}. Funnel bar chart of deals reaching and passing each stage${leftOut ? ` (${leftOut.replace(/\.$/, '')})` : ''}. ${alt}.`,
  }
}

/** `12 of the 40 deals that reached Qualified (30%) have been won so far.`, or for one deal whether it was. */
function wonSoFar(reached: number, stage: string, won: number): string {
  if (reached === 1) return `The one deal that reached ${stage} has ${won === 1 ? '' : 'not '}been won so far.`
  return `${formatCount(won)} of the ${formatDeals(reached)} that reached ${stage} (${formatPercent(won / reached)}) ${won === 1 ? 'has' : 'have'} been won so far.`
}

/**
 * The stage the chart marks: the leak the report found (of several, the one losing the largest
 * share of the deals reaching it), else the stage with the highest leakage.
 */
function markedStage(report: FunnelReport): string | null {
  const leaks = new Set(report.findings.filter((f) => f.key.startsWith('funnel_leak:')).map((f) => f.key.slice('funnel_leak:'.length)))
  const found = report.stages.filter((s) => leaks.has(s.stage)).sort((a, b) => (b.leakage ?? 0) - (a.leakage ?? 0))[0]
  return found?.stage ?? report.topLeak
}

function funnelTitle(report: FunnelReport): string {
  const leak = report.stages.find((s) => s.stage === markedStage(report))
  if (leak && leak.leakage !== null && leak.lost > 0) {
    // The report tested the leak and found nothing: the highest leakage is context, not a finding.
    if (report.findings.some((f) => f.key === 'funnel_too_few_losses'))
      return `Too few lost deals to tell a leaking stage (highest: ${leak.stage}, ${formatPercent(leak.leakage)} of deals reaching it are lost)`
    if (report.findings.some((f) => f.key === 'funnel_no_leak'))
      return `No stage leaks significantly more than the others (highest: ${leak.stage}, ${formatPercent(leak.leakage)} of deals reaching it are lost)`
    // The leak found is not always the stage with the highest leakage (that one may hold too few losses).
    if (leak.stage !== report.topLeak)
      return `${leak.stage} is where deals leak: ${formatPercent(leak.leakage)} of deals reaching it are lost`
    return `${leak.stage} leaks the most: ${formatPercent(leak.leakage)} of deals reaching it are lost`
  }
  const unplaced = report.unplaced ?? 0
  if (unplaced > 0)
    return `${unplaced === 1 ? '1 lost or open deal is' : `${formatCount(unplaced)} lost or open deals are`} left out of the funnel: ${unplaced === 1 ? 'its' : 'their'} stage is not an open one, or not on record`
  return 'No stage loses deals yet'
}

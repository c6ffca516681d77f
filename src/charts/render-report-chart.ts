import type { DriversReport, FunnelReport, LossesReport, StalledReport, WinrateReport } from '../analytics/report-types.js'
import { type DriversChartOptions, driversChart } from './drivers-chart.js'
import { funnelChart } from './funnel-chart.js'
import { healthScoreChart } from './health-score-chart.js'
import { type LossesChartOptions, lossesChart } from './losses-chart.js'
import type { HealthScoreInput, ReliabilityInput } from './model-chart-inputs.js'
import { reliabilityChart } from './reliability-chart.js'
import { type RasterOptions, type RenderedChart, renderChart } from './render-chart.js'
import { type ReportChart, withFilterNote } from './report-chart.js'
import { type StalledChartOptions, stalledChart } from './stalled-chart.js'
import { winrateChart } from './winrate-chart.js'

/** The input each chart kind takes. */
export interface ChartInputs {
  readonly winrate: WinrateReport
  readonly losses: LossesReport
  readonly funnel: FunnelReport
  readonly drivers: DriversReport
  readonly stalled: StalledReport
  readonly reliability: ReliabilityInput
  readonly healthScores: HealthScoreInput
}

/** A chart kind: `winrate`, `losses`, `funnel`, `drivers`, `stalled`, `reliability`, `healthScores`. */
export type ChartKind = keyof ChartInputs

/** Every chart kind, in the order the demo writes them. */
export const CHART_KINDS: readonly ChartKind[] = ['winrate', 'losses', 'funnel', 'drivers', 'stalled', 'reliability', 'healthScores']

/** Per-kind options (stage order for losses, the two fields of the drivers grid, how many stalled deals). */
export interface ReportChartOptions extends RasterOptions {
  readonly losses?: LossesChartOptions
  readonly drivers?: DriversChartOptions
  readonly stalled?: StalledChartOptions
}

/** A rendered report chart: the PNG plus the title and alt text to send with it. */
export interface RenderedReportChart extends RenderedChart {
  readonly title: string
  readonly altText: string
}

/**
 * The spec, title and alt text for one report, by kind; pure (no rendering).
 * @example buildReportChart('winrate', report).title // 'Win rate fell below its normal range in June'
 */
export function buildReportChart<K extends ChartKind>(kind: K, input: ChartInputs[K], options: ReportChartOptions = {}): ReportChart {
  const chart = buildChart(kind, input, options)
  // A filtered report (`--where region=EMEA`) says so on its chart.
  return 'where' in input ? withFilterNote(chart, input.where) : chart
}

function buildChart<K extends ChartKind>(kind: K, input: ChartInputs[K], options: ReportChartOptions): ReportChart {
  const i = input as ChartInputs[ChartKind]
  switch (kind) {
    case 'winrate':
      return winrateChart(i as WinrateReport)
    case 'losses':
      return lossesChart(i as LossesReport, options.losses)
    case 'funnel':
      return funnelChart(i as FunnelReport)
    case 'drivers':
      return driversChart(i as DriversReport, options.drivers)
    case 'stalled':
      return stalledChart(i as StalledReport, options.stalled)
    case 'reliability':
      return reliabilityChart(i as ReliabilityInput)
    case 'healthScores':
      return healthScoreChart(i as HealthScoreInput)
    default:
      throw new Error(`Unknown chart kind: ${String(kind)}`)
  }
}

/**
 * Builds and renders one report's chart: a 2x PNG on white with its title and alt text.
 * The first call in a process loads vega (~0.3-0.5 s); later calls reuse it.
 * @example
 * const chart = await renderReportChart('losses', await loadLossesReport(db, query))
 * await writeFile('losses.png', chart.png)
 */
export async function renderReportChart<K extends ChartKind>(
  kind: K,
  input: ChartInputs[K],
  options: ReportChartOptions = {},
): Promise<RenderedReportChart> {
  const chart = buildReportChart(kind, input, options)
  const image = await renderChart(chart.spec, options)
  return { ...image, title: chart.title, altText: chart.altText }
}

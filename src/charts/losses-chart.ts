import type { TopLevelSpec } from 'vega-lite'
import { currencyMoney } from '../analytics/currency-money.js'
import { formatCount, formatDeals } from '../analytics/format-figures.js'
import { byLostThenAmount } from '../analytics/losses-report.js'
import type { LossesReport } from '../analytics/report-types.js'
import { COLORS, FONT_SIZES, formatPercent, LAYOUT } from './chart-theme.js'
import { stageAxis } from './fit-labels.js'
import { emptyChart, joinPhrases, type ReportChart, titleBlock } from './report-chart.js'

/** Options of {@link lossesChart}. */
export interface LossesChartOptions {
  /** Stage order (top to bottom); default the report's own (`openStages`). Stages not in it go before the late stages. */
  readonly stageOrder?: readonly string[]
}

/** One bar of the losses chart (exported for tests). */
export interface LossesChartRow {
  stage: string
  lost: number
  lostAmount: number
  share: number
  lateStage: boolean
  /** `Earlier stage`, or `Other stage` when some non-late stage comes after the late ones (a lost deal left at `Closed`, say). */
  group: 'Late stage' | 'Earlier stage' | 'Other stage'
  /** `412 lost · $21.3M · 31%` */
  label: string
}

/**
 * Losses by the stage they happened at: horizontal bars in stage order (not size order, so the
 * shape of the pipeline reads top to bottom), each labelled with count, amount and share; late
 * stages highlighted. The title states how much is lost late.
 */
export function lossesChart(report: LossesReport, options: LossesChartOptions = {}): ReportChart {
  if (report.stages.length === 0 || report.totalLost === 0) {
    return emptyChart('No lost deals in this period', 'Nothing was lost, or nothing has closed yet.')
  }
  const ordered = orderStages(report, options.stageOrder ?? report.openStages)
  const firstLate = ordered.findIndex((s) => s.lateStage)
  const other: LossesChartRow['group'] =
    firstLate >= 0 && ordered.slice(firstLate).some((s) => !s.lateStage) ? 'Other stage' : 'Earlier stage'
  // The lost deals' currency, or (mixed) bare figures with the total naming the currencies.
  const money = currencyMoney(report.lostCurrencies ?? [])
  const rows = ordered.map(
    (s): LossesChartRow => ({
      stage: s.stage,
      lost: s.lost,
      lostAmount: s.lostAmount,
      share: s.share,
      lateStage: s.lateStage,
      group: s.lateStage ? 'Late stage' : other,
      label: `${formatCount(s.lost)} lost \u00b7 ${money.figure(s.lostAmount)} \u00b7 ${formatPercent(s.share)}`,
    }),
  )
  const title = lossesTitle(report)
  const maxLost = Math.max(...rows.map((r) => r.lost))
  const stageOrder = rows.map((r) => r.stage)
  const y = {
    field: 'stage',
    type: 'nominal' as const,
    sort: stageOrder,
    axis: stageAxis(stageOrder),
  }
  // Room on the right of the longest bar for its label.
  const x = { field: 'lost', type: 'quantitative' as const, scale: { domain: [0, maxLost * 1.55], nice: false }, axis: null }

  const spec = {
    title: titleBlock(
      title,
      `Lost deals by the stage they were lost at, in stage order. ${formatDeals(report.totalLost, 'lost')} worth ${money.totalNamed(report.totalLostAmount)}.`,
    ),
    width: LAYOUT.width - 90,
    height: { step: LAYOUT.barStep + 8 },
    data: { values: rows },
    encoding: { y },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          x,
          color: {
            field: 'group',
            type: 'nominal',
            scale: { domain: ['Late stage', other], range: [COLORS.highlight, COLORS.neutral] },
            legend: { title: null, orient: 'bottom', direction: 'horizontal' },
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 6, color: COLORS.ink, fontSize: FONT_SIZES.markLabel },
        encoding: { x, text: { field: 'label' } },
        name: 'barLabels',
      },
    ],
  } as TopLevelSpec
  const alt = rows.map((r) => `${r.stage}: ${r.label}${r.lateStage ? ' (late stage)' : ''}`).join('; ')
  return { spec, title, altText: `${title}. Bar chart of lost deals by stage. ${alt}.` }
}

function orderStages(report: LossesReport, order: readonly string[]) {
  const lateIndex = (stage: string) => report.lateStages.indexOf(stage)
  const key = (stage: string, i: number) => {
    const known = order.indexOf(stage)
    if (known >= 0) return known
    const late = lateIndex(stage)
    return late >= 0 ? 10_000 + late : 5_000 + i
  }
  return report.stages
    .map((s, i) => ({ s, k: key(s.stage, i) }))
    .sort((a, b) => a.k - b.k)
    .map(({ s }) => s)
}

function lossesTitle(report: LossesReport): string {
  const money = currencyMoney(report.lostCurrencies ?? [])
  const share = report.lateStageShare
  const top = [...report.stages].sort(byLostThenAmount)[0]!
  const most = `${top.stage}: ${formatPercent(top.share)} of all losses`
  const recorded = report.stages.filter((s) => s.openStage).reduce((sum, s) => sum + s.lost, 0)
  if (share === null && recorded === 0) return 'Where these deals were lost is not recorded: none names an open stage'
  const partial = recorded < report.totalLost
  const lateStage = report.stages.find((s) => s.lateStage && s.lost > 0)
  if (recorded === 1 && share === 1 && lateStage)
    return `The one lost deal${partial ? ' with a recorded stage' : ''} (${money.total(lateStage.lostAmount)}) was lost late, at ${lateStage.stage}`
  if (partial && share !== null && report.lateStages.length > 0) {
    const lateAmount = report.stages.filter((s) => s.lateStage).reduce((sum, s) => sum + s.lostAmount, 0)
    return `${formatPercent(share)} of the lost deals with a recorded stage (${money.total(lateAmount)}) were lost late, at ${joinPhrases(report.lateStages, 'or')}`
  }
  if (share === 0 && report.lateStages.length > 0)
    return `No deals were lost late (at ${joinPhrases(report.lateStages, 'or')}); most at ${most}`
  if (share !== null && report.lateStages.length > 0) {
    const lateAmount = report.stages.filter((s) => s.lateStage).reduce((sum, s) => sum + s.lostAmount, 0)
    const where = joinPhrases(report.lateStages, 'or')
    return `${formatPercent(share)} of lost deals (${money.total(lateAmount)}) were lost late, at ${where}`
  }
  return `Most deals are lost at ${most}`
}

import type { TopLevelSpec } from 'vega-lite'
import { formatCount, formatCountOf } from '../analytics/format-figures.js'
import type { StalledReport } from '../analytics/report-types.js'
import { stalledMoney } from '../analytics/stalled-money.js'
import { COLORS, FONT_SIZES, LAYOUT } from './chart-theme.js'
import { type LabelCut, shortenLabel } from './fit-labels.js'
import { emptyChart, type ReportChart, titleBlock } from './report-chart.js'
import { chartTextMeasurer } from './text-metrics.js'

/** Options of {@link stalledChart}. */
export interface StalledChartOptions {
  /** Deals drawn, largest amount first; default 10. */
  readonly top?: number
}

/** One bar of the stalled-deals chart (exported for tests). */
export interface StalledChartRow {
  dealId: string
  /** Axis label: deal name (or id) and stage, shortened to fit. */
  deal: string
  /** The same in full, for the alt text. */
  fullDeal: string
  amount: number
  daysIdle: number
  /** Idle at least twice the idle limit: drawn in the highlight colour. */
  longIdle: boolean
  /** `$250k · 41 days idle` */
  label: string
}

const DEAL_LABEL_MAX = 230

/**
 * The top stalled deals by amount (horizontal bars), each labelled with its amount and days
 * idle; deals idle for twice the limit or more are highlighted. For the Home tab and digests.
 */
export function stalledChart(report: StalledReport, options: StalledChartOptions = {}): ReportChart {
  const top = options.top ?? 10
  const idleDays = report.rules.idleDays
  const deals = [...report.stalled].sort((a, b) => b.amount - a.amount).slice(0, top)
  const money = stalledMoney(report)
  if (deals.length === 0) {
    return emptyChart(
      'No stalled deals',
      `No open deal of ${money.atLeast(report.rules.alertAmount)} has been idle for ${formatCountOf(idleDays, 'day')} or longer.`,
    )
  }
  // Deals that share a name (a renewal every year, say) are told apart by their ids.
  const names = deals.map((d) => d.dealName ?? d.dealId)
  const shared = new Set(names.filter((n, i) => names.indexOf(n) !== i))
  const named = deals.map((d, i) => ({ name: shared.has(names[i]!) ? `${d.dealId} ${names[i]}` : names[i]!, stage: d.stage }))
  const axisLabels = dealLabels(named)
  const rows = deals.map((d, i): StalledChartRow => {
    const { name } = named[i]!
    return {
      dealId: d.dealId,
      deal: axisLabels[i]!,
      fullDeal: `${name} \u00b7 ${d.stage}`,
      amount: d.amount,
      daysIdle: d.daysIdle,
      longIdle: d.daysIdle >= 2 * idleDays,
      // Each deal in its own currency (`$250k`, `84k EUR`).
      label: `${money.deal(d)} \u00b7 ${formatCountOf(d.daysIdle, 'day')} idle`,
    }
  })
  // Deals with no activity date idle from a stand-in date (idleFrom): "no activity" would state a quiet spell as fact.
  const undated = report.stalledWithoutActivityDate
  const quiet = undated > 0 ? `idle ${formatCount(idleDays)}+ days` : `with no activity for ${formatCount(idleDays)}+ days`
  const title = `${formatCount(report.stalledCount)} stalled deal${report.stalledCount === 1 ? '' : 's'} worth ${money.total(report.stalledAmount)} ${quiet}`
  const shown = report.stalledCount > rows.length ? `The ${rows.length} largest shown. ` : ''
  const standIn =
    undated > 0 ? [`${formatCount(undated)} with no activity date on record: idle since the last update, stage entry or creation.`] : []
  const labels = Object.fromEntries(rows.map((r) => [r.dealId, r.deal]))
  // Deals of $0 alone (no amount in the CRM, an alert amount of 0) still start their labels at the axis, not mid-chart.
  const maxAmount = Math.max(...rows.map((r) => r.amount)) || 1
  const x = { field: 'amount', type: 'quantitative' as const, scale: { domain: [0, maxAmount * 1.6], nice: false }, axis: null }
  const longLabel = `Idle ${formatCount(2 * idleDays)}+ days`
  // Below twice the limit: one day when the limit is one day.
  const shortLabel = idleDays === 1 ? 'Idle 1 day' : `Idle ${formatCount(idleDays)}-${formatCount(2 * idleDays - 1)} days`
  const spec = {
    title: titleBlock(title, [
      `${shown}Open deals of ${money.threshold(report.rules.alertAmount)} ${quiet}, largest first.`,
      ...money.note,
      ...standIn,
    ]),
    width: LAYOUT.width - 240,
    height: { step: LAYOUT.barStep },
    data: { values: rows.map((r) => ({ ...r, group: r.longIdle ? longLabel : shortLabel })) },
    encoding: {
      // Keyed by id (two deals may share a name); the axis shows the name.
      y: {
        field: 'dealId',
        type: 'nominal',
        sort: rows.map((r) => r.dealId),
        axis: { title: null, labelColor: COLORS.ink, labelLimit: DEAL_LABEL_MAX + 10, labelExpr: `${JSON.stringify(labels)}[datum.value]` },
      },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.7 } },
        encoding: {
          x,
          color: {
            field: 'group',
            type: 'nominal',
            scale: { domain: [longLabel, shortLabel], range: [COLORS.highlight, COLORS.primaryLight] },
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
  // The picture shortens long names; the alt text keeps them whole (Slack cuts it at 1,000 characters).
  const alt = rows.map((r) => `${r.fullDeal}: ${r.label}`).join('; ')
  return { spec, title, altText: `${title}. Bar chart of the largest stalled deals. ${alt}.` }
}

/**
 * Each deal's `Name · Stage` within the axis width, every one told apart: the name is shortened
 * (with an ellipsis) and the stage kept, unless the stage itself would take more than half the
 * width: then both are shortened. Names cut at the end that would read alike (a long shared
 * start, `Enterprise Agreement Renewal FY2025 - Acme` and `... - Globex`) lose their middles instead.
 */
function dealLabels(deals: ReadonlyArray<{ readonly name: string; readonly stage: string }>): string[] {
  const ends = deals.map((d) => dealLabel(d.name, d.stage, 'end'))
  const times = new Map<string, number>()
  for (const l of ends) times.set(l, (times.get(l) ?? 0) + 1)
  return deals.map((d, i) => (times.get(ends[i]!)! > 1 ? dealLabel(d.name, d.stage, 'middle') : ends[i]!))
}

function dealLabel(name: string, stage: string, cut: LabelCut): string {
  const measurer = chartTextMeasurer()
  const width = (t: string) => measurer.width(t, FONT_SIZES.axisLabel)
  if (width(`${name} \u00b7 ${stage}`) <= DEAL_LABEL_MAX) return `${name} \u00b7 ${stage}`
  const shortStage = width(` \u00b7 ${stage}`) > DEAL_LABEL_MAX / 2 ? shortenLabel(stage, DEAL_LABEL_MAX / 2 - width(' \u00b7 ')) : stage
  const suffix = ` \u00b7 ${shortStage}`
  if (width(`${name}${suffix}`) <= DEAL_LABEL_MAX) return `${name}${suffix}`
  return `${shortenLabel(name, DEAL_LABEL_MAX - width(suffix), cut)}${suffix}`
}

import { closedSinceWords } from './closed-since-words.js'
import { currencyMoney } from './currency-money.js'
import { formatCount, formatCountOf, formatDeals, formatPercent, formatProbability } from './format-figures.js'
import { formatMonthLimits } from './format-month-limits.js'
import {
  type DriversReport,
  type Finding,
  type FindingsSummary,
  type FunnelReport,
  type LossesReport,
  STAGE_NOT_KNOWN,
  type StalledReport,
  type TimeInStageReport,
  type WinrateReport,
} from './report-types.js'
import { stalledMoney } from './stalled-money.js'
import { terminalWidth } from './terminal-width.js'

/**
 * Terminal renderings of the reports: a title line, a plain table, then the finding sentences.
 * Pure string builders (the CLI prints them; the demo may too).
 */

/**
 * Lays out rows as left-aligned (text) / right-aligned (numbers) columns, by the width each cell
 * takes on a terminal: a CJK character or an emoji takes two columns, a combining accent none.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(terminalWidth(h), ...rows.map((r) => terminalWidth(r[i] ?? ''))))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const fill = ' '.repeat(Math.max(0, widths[i]! - terminalWidth(c)))
        return rightAligned[i] ? fill + c : c + fill
      })
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

function findingsBlock(findings: readonly Finding[]): string {
  return findings.length === 0 ? '' : `\n\n${findings.map((f) => `${f.significant ? '*' : '-'} ${f.text}`).join('\n')}`
}

function scopeLine(asOf: string, where: Readonly<Record<string, string | undefined>>): string {
  const filters = Object.entries(where)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
  return `as of ${asOf}${filters.length > 0 ? `, ${filters.join(', ')}` : ''}`
}

/** `pulse report winrate` as text. */
export function winrateText(r: WinrateReport): string {
  const money = currencyMoney(r.currencies ?? [])
  const rows = r.months.map((m) => {
    const { rate, lcl, ucl } = formatMonthLimits(m)
    return [
      m.month,
      formatCount(m.won),
      formatCount(m.lost),
      rate,
      m.center === null ? '' : formatPercent(m.center),
      m.lcl === null ? '' : `${lcl}-${ucl}`,
      m.partial
        ? 'partial'
        : m.anomaly !== null
          ? m.anomaly.toUpperCase()
          : m.center === null
            ? 'no baseline'
            : m.n === 0
              ? 'none closed'
              : '',
      formatCount(m.created),
      money.figure(m.createdAmount),
      formatCount(m.openAtEnd),
    ]
  })
  const table = textTable(
    ['month', 'won', 'lost', 'win rate', 'centre', 'limits', 'verdict', 'created', `created ${money.unit ?? 'amount'}`, 'open at end'],
    rows,
    [false, true, true, true, true, true, false, true, true, true],
  )
  return `Win rate by closed month (${scopeLine(r.asOf, r.where)})\n\n${table}\n\n${r.monthsNote ? `${r.monthsNote}\n` : ''}${r.limitNote}\nOpen pipeline on ${r.asOf}: ${formatDeals(r.openPipeline.count)}, ${money.totalNamed(r.openPipeline.amount)}.${findingsBlock(r.findings)}`
}

/** `pulse report losses` as text. */
export function lossesText(r: LossesReport): string {
  const money = currencyMoney(r.lostCurrencies ?? [])
  const rows = r.stages.map((s) => [
    s.stage + (s.lateStage ? ' (late)' : s.openStage ? '' : ' (not an open stage)'),
    formatCount(s.lost),
    formatPercent(s.share),
    money.figure(s.lostAmount),
    formatPercent(s.amountShare),
    s.meanDaysSpent === null ? '' : Math.round(s.meanDaysSpent).toString(),
    formatCount(s.daysSpent),
  ])
  const table = textTable(['stage lost at', 'lost', 'share', 'amount', 'amount share', 'mean days', 'deal-days'], rows, [
    false,
    true,
    true,
    true,
    true,
    true,
    true,
  ])
  const late = r.totalLost === 0 ? 'No lost deals in this period.' : `${lateStagesLabel(r.lateStages)}: ${lateStageShareWords(r)}.`
  return `Losses by stage (${scopeLine(r.asOf, r.where)}): ${formatDeals(r.totalLost, 'lost')}, ${money.totalNamed(r.totalLostAmount)}\n\n${table}\n\n${late}${findingsBlock(r.findings)}`
}

/** "Late stages (Proposal, Negotiation)", or "Late stages" when there are none (`quote`: for Slack's text). */
export function lateStagesLabel(stages: readonly string[], quote: (text: string) => string = (text) => text): string {
  return stages.length === 0 ? 'Late stages' : `Late stages (${stages.map(quote).join(', ')})`
}

/**
 * The late-stage shares in words (`40% of lost deals, 52% of the lost amount`), over the lost
 * deals whose stage is recorded when some are not, and "not known" when none is. For a report
 * with at least one lost deal.
 */
export function lateStageShareWords(r: LossesReport): string {
  if (r.lateStages.length === 0) return 'none counted (with fewer than three open stages, no stage is late)'
  const recorded = r.stages.filter((s) => s.openStage).reduce((n, s) => n + s.lost, 0)
  if (recorded === r.totalLost)
    return `${formatPercent(r.lateStageShare)} of lost deals, ${formatPercent(r.lateStageAmountShare)} of the lost amount`
  if (recorded === 0) return 'not known (no lost deal records an open stage as the stage it was lost at)'
  if (recorded === 1) return `${formatPercent(r.lateStageShare)} of the one lost deal whose stage is recorded`
  return `${formatPercent(r.lateStageShare)} of the ${formatDeals(recorded, 'lost')} whose stage is recorded, ${formatPercent(r.lateStageAmountShare)} of their amount`
}

/** `pulse report funnel` as text, with the time-in-stage table when given. */
export function funnelText(r: FunnelReport, times?: TimeInStageReport): string {
  const won = r.stages.at(-1)
  // The last row is the won end: it counts the deals won, with no stage after it to advance to, lose at or sit in.
  const rows = r.stages.map((s) =>
    s === won
      ? [s.stage, formatCount(s.reached), '', '', '', '', '']
      : [
          s.stage,
          formatCount(s.reached),
          formatCount(s.advanced),
          formatPercent(s.conversion),
          formatCount(s.lost),
          formatPercent(s.leakage),
          formatCount(s.open),
        ],
  )
  // An order with no won stage says so in the source note, with the row it adds.
  const wonLine =
    won && r.wonStageInOrder !== false ? `\n${won.stage} is the won end: its row counts the ${formatDeals(won.reached, 'won')}.` : ''
  let text = `Funnel (${scopeLine(r.asOf, r.where)})\n${r.sourceNote}\n\n${textTable(['stage', 'reached', 'advanced', 'conversion', 'lost', 'leakage', 'open'], rows, [false, true, true, true, true, true, true])}${wonLine}`
  if (times) {
    const days = (d: number | null) => (d === null ? '-' : formatCount(d))
    const timeRows = times.stages.map((s) => [
      s.stage,
      formatCount(s.completed),
      formatCount(s.censored),
      days(s.median),
      days(s.p75),
      days(s.p90),
    ])
    text += `\n\nDays in stage (Kaplan-Meier; stays still running are censored)\n${times.sourceNote}\n\n${textTable(['stage', 'completed', 'censored', 'median', 'p75', 'p90'], timeRows, [false, true, true, true, true, true])}`
  }
  return text + findingsBlock(r.findings)
}

/** `pulse report drivers` as text: significant segments, then the largest others (up to `maxRows`). */
export function driversText(r: DriversReport, maxRows = 25): string {
  const rows = r.segments.slice(0, maxRows).map((s) => [
    Object.entries(s.segment)
      .map(([f, v]) => `${f}=${v}`)
      .join(' & '),
    formatCount(s.n),
    formatPercent(s.winRate),
    `${formatPercent(s.ciLow)}-${formatPercent(s.ciHigh)}`,
    s.lift === null ? 'n/a' : `${s.lift.toFixed(2)}x`,
    formatProbability('p', s.pValue).replace(/^p=?/, ''),
    formatProbability('q', s.qValue).replace(/^q=?/, ''),
    s.significant ? (s.direction === 'low' ? 'LOW' : 'HIGH') : s.n < r.minN ? 'small n' : s.othersN < r.minN ? 'few others' : '',
  ])
  const table = textTable(['segment', 'n', 'win rate', '95% CI', 'lift', 'p', 'q', 'verdict'], rows, [
    false,
    true,
    true,
    true,
    true,
    true,
    true,
    false,
  ])
  const more = r.segments.length > maxRows ? `\n... ${r.segments.length - maxRows} more segments (--json lists all)` : ''
  return `Win-rate drivers (${scopeLine(r.asOf, r.where)}): ${formatDeals(r.n, 'closed')}, overall ${formatPercent(r.overallWinRate)}; ${formatCountOf(r.tested, 'segment')} tested, Benjamini-Hochberg q < 0.05 and n >= ${r.minN} to be significant\n\n${table}${more}${findingsBlock(r.findings)}`
}

/** `pulse report stalled` as text. */
export function stalledText(r: StalledReport): string {
  const money = stalledMoney(r)
  const row = (d: StalledReport['stalled'][number]) => [
    d.dealId,
    d.ownerEmail ?? d.ownerId,
    money.deal(d),
    // A deal open on a past "as of" that has closed since: its stage then, and how it closed.
    `${d.stage}${closedSinceWords(d)}`,
    formatCount(d.daysIdle),
    // A deal closed since whose stage that day is not known has no known stay to count either.
    d.outcomeNow && d.stage === STAGE_NOT_KNOWN ? '-' : formatCount(d.daysInStage),
    d.stageP90 === null ? '-' : formatCount(d.stageP90),
  ]
  const header = ['deal', 'owner', 'amount', 'stage', 'days idle', 'days in stage', 'stage p90']
  const right = [false, false, true, false, true, true, true]
  const parts = [
    `Stalled deals (${scopeLine(r.asOf, r.where)}): ${formatCount(r.stalledCount)} open ${r.stalledCount === 1 ? 'deal' : 'deals'} of ${money.threshold(r.rules.alertAmount)} idle ${formatCount(r.rules.idleDays)}+ days, ${money.total(r.stalledAmount)}${money.note.length > 0 ? `\n${money.note.join(' ')}` : ''}`,
    r.stalled.length > 0 ? textTable(header, r.stalled.map(row), right) : '(none)',
  ]
  if (r.stalledCount > r.stalled.length)
    parts.push(`... ${formatCount(r.stalledCount - r.stalled.length)} more (use --limit 0 to list all)`)
  parts.push(
    `Past their stage's p90 (still active, flagged separately): ${formatDeals(r.overStageP90Count)}, ${currencyMoney(r.overStageP90Currencies ?? []).totalNamed(r.overStageP90Amount)}${
      r.stagesWithoutP90.length > 0
        ? ` (no p90 used for ${r.stagesWithoutP90.join(', ')}: fewer than ${formatCount(r.stageP90MinCompleted)} completed stays)`
        : ''
    }`,
  )
  if (r.overStageP90.length > 0) parts.push(textTable(header, r.overStageP90.map(row), right))
  parts.push(
    `Stale open deals (no update or activity for more than ${formatCountOf(r.rules.staleDays, 'day')}): ${formatCount(r.stale.count)} of ${formatDeals(r.openCount, 'open')}, ${currencyMoney(r.staleCurrencies ?? []).totalNamed(r.stale.amount)} of ${currencyMoney(r.openCurrencies ?? []).totalNamed(r.openAmount)}. Stale closed deals: ${formatCount(r.stale.closedCount)}.`,
  )
  return parts.join('\n\n') + findingsBlock(r.findings)
}

/** The findings summary as text: `*` marks a finding to act on, `-` context, as in every report. */
export function summaryText(s: FindingsSummary): string {
  return `What changed (${scopeLine(s.asOf, s.where)})${findingsBlock(s.findings)}`
}

import { closedSinceWords } from '../../analytics/closed-since-words.js'
import { currencyMoney } from '../../analytics/currency-money.js'
import { formatUtcMinute } from '../../analytics/format-figures.js'
import { formatMonthLimits } from '../../analytics/format-month-limits.js'
import { noRangeReason } from '../../analytics/no-range-reason.js'
import { lateStageShareWords, lateStagesLabel } from '../../analytics/report-text.js'
import type { DriversReport, Finding, FunnelReport, LossesReport, StalledReport, WinrateReport } from '../../analytics/report-types.js'
import { stalledMoney } from '../../analytics/stalled-money.js'
import type { DealCard, PulseStatus } from '../app/pulse-services.js'
import { type Block, clip, context, fields, header, listSection, section } from './block-kit.js'
import { count, countOf, dealAmount, dealCount, esc, escName, monthLabel, pct, pctApart } from './format.js'

/** A rendered answer: fallback text (notifications, screen readers; mrkdwn, escaped) and blocks. */
export interface RenderedReport {
  readonly text: string
  readonly blocks: Block[]
}

/** Findings as one bulleted section; significant ones first (as the report orders them). */
function findingsSection(findings: readonly Finding[], max = 5): Block[] {
  if (findings.length === 0) return []
  const lines = findings.slice(0, max).map((f) => `${f.significant ? ':small_red_triangle:' : ':white_circle:'} ${esc(f.text)}`)
  return [listSection(lines, 'findings', findings.length)]
}

function firstSentence(findings: readonly Finding[], fallback: string): string {
  return findings[0]?.text ?? fallback
}

/** `/pulse winrate`: the verdict on the latest complete month, recent months, findings. */
export function winrateBlocks(report: WinrateReport, scopeLabel: string): RenderedReport {
  const complete = report.months.filter((m) => !m.partial)
  const latest = complete.at(-1)
  const partial = report.months.find((m) => m.partial)
  // A flagged rate keeps the decimals that tell it from the limit it crossed.
  const [lowRate, lcl] = latest ? pctApart(latest.winRate, latest.lcl) : ['', '']
  const [highRate, ucl] = latest ? pctApart(latest.winRate, latest.ucl) : ['', '']
  const verdict = latest
    ? latest.anomaly === 'low'
      ? `*${monthLabel(latest.month)}: ${lowRate}*, below its normal range (${lcl}-${pct(latest.ucl)}, ${countOf(latest.n, 'closed deal')}).`
      : latest.anomaly === 'high'
        ? `*${monthLabel(latest.month)}: ${highRate}*, above its normal range (${pct(latest.lcl)}-${ucl}, ${countOf(latest.n, 'closed deal')}).`
        : latest.winRate === null
          ? `*${monthLabel(latest.month)}*: no deals closed, so there is no win rate to judge.`
          : latest.lcl === null || latest.ucl === null
            ? `*${monthLabel(latest.month)}: ${pct(latest.winRate)}* for ${countOf(latest.n, 'closed deal')}; ${esc(noRangeReason(report.months))}.`
            : latest.lcl <= 0 && latest.ucl >= 1
              ? // Limits of 0%-100% take every rate: a handful of deals, not "within normal variation".
                `*${monthLabel(latest.month)}: ${pct(latest.winRate)}* for ${countOf(latest.n, 'closed deal')}, too few to judge: any rate would be within its limits (${pct(latest.lcl)}-${pct(latest.ucl)}).`
              : `*${monthLabel(latest.month)}: ${pct(latest.winRate)}*, within normal variation (${pct(latest.lcl)}-${pct(latest.ucl)}) for ${countOf(latest.n, 'closed deal')}.`
    : partial
      ? `*${monthLabel(partial.month)}* is still in progress and is not judged: try \`/pulse winrate 2\` for the last complete month.`
      : 'No complete month has closed deals yet.'
  const recent = complete.slice(-6).map((m) => {
    const flag = m.anomaly === 'low' ? ' :arrow_down_small: low' : m.anomaly === 'high' ? ' :arrow_up_small: high' : ''
    // A flagged rate as its finding and the verdict state it (26.0% against a 26.1% limit, not 26%).
    return `${m.month}  ${formatMonthLimits(m).rate}  (n=${count(m.n)})${flag}`
  })
  const blocks: Block[] = [
    header(`Win rate: ${scopeLabel}`),
    section(verdict),
    ...findingsSection(report.findings),
    section(`\`\`\`${recent.join('\n') || 'no closed months'}\`\`\``),
    fields([
      `*Open pipeline*\n${dealCount(report.openPipeline.count)}, ${esc(currencyMoney(report.currencies ?? []).totalNamed(report.openPipeline.amount))}`,
      `*Created last month*\n${latest ? `${dealCount(latest.created)}, ${esc(currencyMoney(report.currencies ?? []).totalNamed(latest.createdAmount))}` : 'n/a'}`,
    ]),
    context(
      `${report.monthsNote ? `${esc(report.monthsNote)} ` : ''}${esc(report.limitNote)}${partial ? ` ${monthLabel(partial.month)} is partial (${count(partial.n)} so far) and is not judged.` : ''} As of ${report.asOf}.`,
    ),
  ]
  return { text: esc(`Win rate, ${scopeLabel}: ${firstSentence(report.findings, verdict.replace(/\*/g, ''))}`), blocks }
}

/** `/pulse losses`: lost deals by stage, late-stage share. */
export function lossesBlocks(report: LossesReport, scopeLabel: string): RenderedReport {
  const lost = currencyMoney(report.lostCurrencies ?? [])
  const rows = report.stages
    .slice(0, 8)
    .map(
      (s) =>
        `${s.lateStage ? '*' : ''}${escName(s.stage)}${s.lateStage ? '*' : ''}: ${count(s.lost)} lost (${pct(s.share)}), ${esc(lost.figure(s.lostAmount))}`,
    )
  const blocks: Block[] = [
    header(`Losses by stage: ${scopeLabel}`),
    ...findingsSection(report.findings),
    rows.length > 0 ? listSection(rows, 'stages', report.stages.length) : section('No lost deals.'),
    context(
      report.totalLost === 0
        ? `No lost deals in this period. As of ${report.asOf}.`
        : `${lateStagesLabel(report.lateStages, esc)}: ${esc(lateStageShareWords(report))}. ${countOf(report.totalLost, 'lost deal')}, ${esc(lost.totalNamed(report.totalLostAmount))}. As of ${report.asOf}.`,
    ),
  ]
  return {
    text: esc(`Losses by stage, ${scopeLabel}: ${firstSentence(report.findings, countOf(report.totalLost, 'lost deal'))}`),
    blocks,
  }
}

/** `/pulse funnel`: conversion and leakage per open stage, then the deals won. */
export function funnelBlocks(report: FunnelReport, scopeLabel: string): RenderedReport {
  // The last stage is the won end: its deals were won, with no stage after it to advance to or lose at.
  const rows = report.stages.map((s, i) =>
    i === report.stages.length - 1
      ? `${escName(s.stage)}: ${count(s.reached)} won`
      : `${escName(s.stage)}: ${count(s.reached)} reached, ${pct(s.conversion)} advanced, ${pct(s.leakage)} lost`,
  )
  const blocks: Block[] = [
    header(`Funnel: ${scopeLabel}`),
    ...findingsSection(report.findings),
    rows.length > 0 ? listSection(rows, 'stages') : section('No deals.'),
    context(`${esc(report.sourceNote)} As of ${report.asOf}.`),
  ]
  return {
    text: esc(
      `Funnel, ${scopeLabel}: ${firstSentence(report.findings, report.topLeak ? `most leakage at ${report.topLeak}` : 'no losses')}`,
    ),
    blocks,
  }
}

/**
 * `/pulse drivers`: significant segments as plain sentences, or plainly "nothing beyond chance";
 * with them, the report's note when it left out the check of values sitting in one another.
 */
export function driversBlocks(report: DriversReport, scopeLabel: string): RenderedReport {
  const significant = report.segments.filter((s) => s.significant)
  const sentences = report.findings.filter((f) => f.significant)
  const extra = significant.length - sentences.length
  const blocks: Block[] = [
    header(`Win-rate drivers: ${scopeLabel}`),
    // Without a significant segment, the report's own words: "too few closed deals" is not "none differs".
    ...(sentences.length > 0
      ? findingsSection(sentences, 6)
      : report.findings.length > 0
        ? findingsSection(report.findings, 6)
        : [
            section(
              `No segment wins or loses more than chance explains (${count(report.tested)} segments tested, overall win rate ${pct(report.overallWinRate)}).`,
            ),
          ]),
    // A check the report left out on a big scope qualifies the segments listed: said with them.
    ...(sentences.length > 0 ? report.findings.filter((f) => f.key === 'drivers_nesting_unchecked').map((f) => context(esc(f.text))) : []),
    context(
      `${extra > 0 ? `${extra === 1 ? '1 more significant segment is' : `${count(extra)} more significant segments are`} not listed here. ` : ''}Segments with fewer than ${report.minN} closed deals are never called significant; Benjamini-Hochberg q &lt; 0.05 over ${count(report.tested)} tests. As of ${report.asOf}.`,
    ),
  ]
  return { text: esc(`Drivers, ${scopeLabel}: ${firstSentence(report.findings, `${significant.length} significant segments`)}`), blocks }
}

// The stalled report's notes on what a past "as of" leaves out, and on a filter no open deal matches.
const STALLED_NOTES = new Set(['stalled_past_as_of', 'stalled_no_activity_by_as_of', 'stalled_no_match'])

/** `/pulse stalled`: the largest stalled deals, the zombie pipeline, and what a past "as of" leaves out. */
export function stalledBlocks(
  report: StalledReport,
  scopeLabel: string,
  health: ReadonlyMap<string, { healthScore: number }> = new Map(),
): RenderedReport {
  const amounts = stalledMoney(report)
  const rows = report.stalled.slice(0, 10).map((d) => {
    const h = health.get(d.dealId)
    return `*${escName(d.dealName ?? d.dealId)}* ${esc(amounts.deal(d))}, ${escName(d.stage)}${closedSinceWords(d)}, idle ${countOf(d.daysIdle, 'day')}${h ? `, health ${h.healthScore}` : ''}${d.ownerEmail ? ` (${escName(d.ownerEmail)})` : ''}`
  })
  const blocks: Block[] = [
    header(`Stalled deals: ${scopeLabel}`),
    section(
      `${count(report.stalledCount)} stalled ${report.stalledCount === 1 ? 'deal' : 'deals'} worth ${esc(amounts.total(report.stalledAmount))} (at least ${esc(amounts.bound(report.rules.alertAmount))}, idle ${count(report.rules.idleDays)}+ days).${amounts.note.length > 0 ? ` ${esc(amounts.note.join(' '))}` : ''}`,
    ),
    ...(rows.length > 0 ? [listSection(rows, 'stalled deals', report.stalledCount)] : []),
    fields([
      `*Zombie pipeline*\n${dealCount(report.stale.count)}, ${esc(currencyMoney(report.staleCurrencies ?? []).totalNamed(report.stale.amount))}`,
      `*Over their stage's p90*\n${dealCount(report.overStageP90Count)}, ${esc(currencyMoney(report.overStageP90Currencies ?? []).totalNamed(report.overStageP90Amount))}`,
    ]),
    // Stages whose p90 rests on too few stays flag no deal: say so, or "0 deals" reads as none there.
    ...(report.stagesWithoutP90.length > 0
      ? [
          context(
            `No p90 used for ${esc(report.stagesWithoutP90.join(', '))}: fewer than ${count(report.stageP90MinCompleted)} completed stays.`,
          ),
        ]
      : []),
    // What the figures leave out (a past "as of", a filter matching nothing), as the terminal and JSON say it.
    ...report.findings.filter((f) => STALLED_NOTES.has(f.key)).map((f) => context(esc(f.text))),
    context(`As of ${report.asOf}.`),
  ]
  return { text: esc(`Stalled deals, ${scopeLabel}: ${dealCount(report.stalledCount)}, ${amounts.total(report.stalledAmount)}`), blocks }
}

/** One deal: amount, stage, idle days, health and its reasons. */
export function dealBlocks(deal: DealCard): RenderedReport {
  const name = deal.dealName ?? deal.dealId
  const h = deal.health
  const amount = dealAmount(deal)
  const facts = [
    `*Amount*\n${amount}`,
    `*Stage*\n${esc(deal.stage)}${deal.outcome !== 'open' ? ` (${deal.outcome})` : ''}`,
    `*Days idle*\n${deal.daysIdle === null ? 'n/a' : count(deal.daysIdle)}`,
    // A closed deal is never scored: "not scored yet" would promise a score that never comes.
    `*Health*\n${h ? `${h.healthScore}/100` : deal.outcome === 'open' ? 'not scored yet' : 'none: only open deals are scored'}`,
  ]
  if (h?.winProbability !== null && h?.winProbability !== undefined) facts.push(`*Win probability*\n${pct(h.winProbability)}`)
  const blocks: Block[] = [header(name), fields(facts)]
  if (h && h.reasons.length > 0)
    blocks.push(
      section(
        h.reasons
          .slice(0, 6)
          .map((r) => `• ${esc(r)}`)
          .join('\n'),
      ),
    )
  blocks.push(context(`Deal ${esc(deal.dealId)}${deal.ownerEmail ? ` · owner ${esc(deal.ownerEmail)}` : ''}`))
  return {
    text: `${esc(name)}: ${amount}, ${esc(deal.stage)}${h ? `, health ${h.healthScore}` : ''}`,
    blocks,
  }
}

// One job's line in `/pulse status`: its last run, and its failure while no run has succeeded since.
function jobRunLine(j: PulseStatus['jobs'][number]): string {
  const why = (error: string | null) => (error ? `: ${esc(clip(error, 300))}` : '')
  const failure = j.lastFailure ? `; last failed ${formatUtcMinute(j.lastFailure.at)}, no success since${why(j.lastFailure.error)}` : ''
  return `• ${esc(j.job)}: ${esc(j.lastRun.status)} ${formatUtcMinute(j.lastRun.at)}${why(j.lastRun.error)}${failure}`
}

/**
 * `/pulse status`: data loaded, last load, the model and how far to trust it; with `jobRuns`
 * (for admins, who get the failure alerts), each job's last run and its unresolved failure.
 */
export function statusBlocks(status: PulseStatus, options: { companyCounts?: boolean; jobRuns?: boolean } = {}): RenderedReport {
  const m = status.model
  const model = m
    ? `${esc(m.modelId)}, trained ${formatUtcMinute(m.trainedAt)}; AUC ${m.auc?.toFixed(2) ?? 'n/a'}${m.aucLow !== null && m.aucHigh !== null ? ` (95% ${m.aucLow.toFixed(2)}-${m.aucHigh.toFixed(2)})` : ''}; ${m.informative ? 'informative' : 'not informative: segment base rates are shown instead of per-deal predictions'}`
    : 'No model trained yet (`pulse train`).'
  // The company's deal counts are for those who see every deal; others get the load and the model.
  const counts = options.companyCounts ?? true
  const load = status.lastLoad
    ? `${esc(status.lastLoad.source)} at ${formatUtcMinute(status.lastLoad.at)}: ${status.lastLoad.status}${counts ? `, ${count(status.lastLoad.rows)} rows` : ''}`
    : 'Nothing loaded yet.'
  const blocks: Block[] = [
    header('Sales Pulse status'),
    counts
      ? fields([`*Deals*\n${count(status.deals)} (${count(status.openDeals)} open)`, `*Last load*\n${load}`])
      : section(`*Last load*: ${load}`),
    section(`*Model*: ${model}`),
  ]
  if (options.jobRuns && status.jobs.length > 0)
    blocks.push(section('*Jobs*: the last run of each, skipped ticks aside'), listSection(status.jobs.map(jobRunLine), 'jobs'))
  return { text: counts ? `Sales Pulse: ${dealCount(status.deals)}; last load: ${load}` : `Sales Pulse: last load: ${load}`, blocks }
}

import {
  addsToPartsFinding,
  carryingPairs,
  driverEvidence,
  driverFinding,
  mirroredValues,
  nestedCarriers,
  nestedWithin,
  nestingUncheckedCaveat,
  pairEvidence,
  statedDriverFinding,
  strongestPair,
} from './drivers-report.js'
import { formatCount, formatDeals, formatMonth, formatPercent } from './format-figures.js'
import { formatMonthLimits } from './format-month-limits.js'
import type {
  DriversReport,
  Finding,
  FindingsSummary,
  FunnelReport,
  LossesReport,
  ReportQuery,
  StalledReport,
  WinrateMonth,
  WinrateReport,
} from './report-types.js'
import { scopeWords } from './winrate-report.js'

/** The reports a findings summary reads. */
export interface SummaryInputs {
  winrate: WinrateReport
  losses: LossesReport
  funnel: FunnelReport
  drivers: DriversReport
  stalled: StalledReport
}

/** At most this many findings (then one line saying how many more there are, and where, when some are left out). */
const MAX_FINDINGS = 8

/**
 * Which findings stay when there are more than {@link MAX_FINDINGS}: every one to act on first, in
 * order, with the words that qualify the drivers stated ({@link nestingUncheckedCaveat}), then
 * context (volume, run-rule signals) in order while places remain. A predicate, so the kept ones
 * keep the summary's order.
 */
function keptFindings(all: readonly Finding[]): (f: Finding) => boolean {
  const first = (f: Finding) => f.significant || f.key === 'drivers_nesting_unchecked'
  const ranked = [...all.filter(first), ...all.filter((f) => !first(f))]
  const kept = new Set(ranked.slice(0, MAX_FINDINGS))
  return (f) => kept.has(f)
}

/**
 * The CRO's first read: the significant findings in the order a CRO asks (months outside their
 * win-rate limits in one sentence per side, the side flagged most recently first, each put in time
 * ({@link backInRange}), with the volume context, then the strongest drivers, the leaking
 * stage, stalled and zombie pipeline), at most 8: when there are more, the ones to act on stay
 * first ({@link keptFindings}) and a last line says how many are left out and which reports state
 * them ({@link moreFindings}); when no month is outside its limits, the "within
 * the normal range" sentence leads, and when no driver is significant, one sentence says so.
 * Run-rule signals come last, as context. Pure.
 */
export function summarizeFindings(reports: SummaryInputs, query: ReportQuery): FindingsSummary {
  const w = reports.winrate.findings
  const out: Finding[] = []
  const flagged = reports.winrate.months.filter((m) => m.anomaly !== null)
  const isRun = (f: Finding) => f.key.startsWith('winrate_run_')
  if (flagged.length > 0) {
    // Both sides when months fell below and others rose above their limits: the side flagged most
    // recently first (the latest month leads, so older months above their limits never read as today's state).
    const latest = flagged.reduce((a, b) => (b.month > a.month ? b : a))
    const sides: Array<'low' | 'high'> = latest.anomaly === 'high' ? ['high', 'low'] : ['low', 'high']
    for (const side of sides) if (flagged.some((m) => m.anomaly === side)) out.push(anomaliesSentence(reports.winrate, side))
    out.push(...w.filter((f) => f.report === 'volume'))
  } else {
    // No month outside its limits: the "within the normal range" sentence.
    out.push(...w.filter((f) => !isRun(f)))
  }
  const drivers = reports.drivers.findings
  out.push(...topDrivers(reports.drivers))
  out.push(...reports.funnel.findings.filter((f) => f.significant))
  out.push(...reports.stalled.findings.filter((f) => f.key === 'stalled_deals' || f.key === 'stale_pipeline'))
  if (!drivers.some((f) => f.significant)) out.push(...drivers.filter((f) => !out.some((o) => o.key === f.key)))
  // Run-rule signals last, as context (never findings on their own).
  out.push(...w.filter(isRun))
  const kept = keptFindings(out)
  const findings = out.length > MAX_FINDINGS ? [...out.filter(kept), moreFindings(out.filter((f) => !kept(f)))] : out
  return { asOf: query.asOf, where: query.where ?? {}, findings, sentences: findings.map((f) => f.text) }
}

/**
 * "2 more findings are left out here: see pulse report stalled." The reports that state the
 * findings a summary leaves out, so a finding past its eight sentences is never dropped unsaid.
 */
function moreFindings(left: readonly Finding[]): Finding {
  const reports = [...new Set(left.map((f) => (f.report === 'volume' ? 'winrate' : f.report)))]
  const commands = reports.map((r) => `pulse report ${r}`)
  const list = commands.length <= 1 ? commands.join('') : `${commands.slice(0, -1).join(', ')} and ${commands[commands.length - 1]}`
  return {
    report: 'summary',
    key: 'summary_more',
    significant: false,
    text: `${left.length === 1 ? '1 more finding is' : `${formatCount(left.length)} more findings are`} left out here: see ${list}.`,
  }
}

/**
 * "Win rate was below its normal range in Mar 2026, Apr 2026 and May 2026: 26.0%, 23% and 19% vs a
 * baseline of 35% (limits 26.1%-43%, 26%-44% and 26%-43%; 801 closed deals)." Each month has its own
 * limits (its own n, and its own baseline when a month between them was not flagged), stated as that
 * month's own finding states them ({@link formatMonthLimits}); one range (one baseline) when they all read alike.
 */
function anomaliesSentence(r: WinrateReport, side: 'low' | 'high'): Finding {
  const months = r.months.filter((m) => m.anomaly === side)
  const list = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`)
  const alike = (xs: string[]) => (new Set(xs).size === 1 ? (xs[0] as string) : list(xs))
  const names = list(months.map((m) => formatMonth(m.month)))
  const figures = months.map(formatMonthLimits)
  const rates = list(figures.map((f) => f.rate))
  const limits = alike(figures.map((f) => `${f.lcl}-${f.ucl}`))
  const centres = months.map((m) => formatPercent(m.center))
  const baseline = new Set(centres).size === 1 ? `a baseline of ${centres[0]}` : `baselines of ${list(centres)}`
  const n = months.reduce((s, m) => s + m.n, 0)
  return {
    report: 'winrate',
    key: `winrate_${side}:${months.map((m) => m.month).join(',')}`,
    significant: true,
    text: `Win rate${scopeWords(r.where)} was ${side === 'low' ? 'below' : 'above'} its normal range in ${names}: ${rates} vs ${baseline} (limits ${limits}; ${formatDeals(n, 'closed')})${backInRange(r.months, months[months.length - 1] as WinrateMonth)}.`,
  }
}

/**
 * When every complete month after `last` (the latest flagged one of a side) was judged and is within
 * its limits, the words that put the anomaly in time, so that an old month is not read as today's
 * problem: "; the 2 months since are within their limits (May 2026: 31%, range 24%-46%)". Empty when
 * no complete month follows, when one of them is flagged (its own sentence says so), or when one had
 * no closed deals or no limits to be judged by.
 */
export function backInRange(months: readonly WinrateMonth[], last: WinrateMonth): string {
  const since = months.filter((m) => !m.partial && m.month > last.month)
  const latest = since[since.length - 1]
  if (!latest || since.some((m) => m.anomaly !== null || m.winRate === null || m.lcl === null || m.ucl === null)) return ''
  const f = formatMonthLimits(latest)
  const count =
    since.length === 1 ? 'the month since is within its limits' : `the ${formatCount(since.length)} months since are within their limits`
  return `; ${count} (${formatMonth(latest.month)}: ${f.rate}, range ${f.lcl}-${f.ucl})`
}

/**
 * The two strongest single-field drivers (evidence = |ln lift| x sqrt(n)), leaving out a value that
 * only mirrors a stronger one of its field ({@link mirroredValues}), owes its whole gap to its pairs
 * ({@link carryingPairs}), goes with a value of another field it sits in ({@link nestedWithin}: a rep
 * in a region) or owes its gap to values nested in it ({@link nestedCarriers}), as in the report, and
 * one two-field segment: the
 * one that adds most to its parts ({@link strongestPair}), said so with its test
 * ({@link addsToPartsFinding}); when no pair's extra effect is supported, the significant pair with
 * the most evidence whose extra effect at least points its way, stated as a segment only; none when
 * every significant pair only inherits its values' own effects. When the report left out the read
 * of how values overlap and a stated value's field was not checked, a sentence after them says so
 * ({@link nestingUncheckedCaveat}).
 */
function topDrivers(r: DriversReport): Finding[] {
  const sig = r.segments.filter((s) => s.significant)
  if (sig.length === 0) return []
  const scope = scopeWords(r.where)
  const nested = r.nested ?? []
  const stated = sig
    .filter(
      (s) =>
        Object.keys(s.segment).length === 1 &&
        carryingPairs(s, r.segments, r).length === 0 &&
        nestedWithin(s, r.segments, nested) === undefined &&
        nestedCarriers(s, r.segments, nested).length === 0 &&
        mirroredValues(s, r.segments).length === 0,
    )
    .sort((a, b) => driverEvidence(b) - driverEvidence(a))
    .slice(0, 2)
  const singles = stated.map((s) => statedDriverFinding(s, r.segments, nested, scope, r.closedCurrencies))
  const caveat = nestingUncheckedCaveat(r, stated)
  const adds = strongestPair(sig, r.segments, r)
  if (adds) return [...singles, addsToPartsFinding(adds, r.segments, r, scope, r.closedCurrencies), ...caveat]
  const pair = sig
    .filter((s) => Object.keys(s.segment).length === 2 && pairEvidence(s, r.segments, r) > 0)
    .sort((a, b) => driverEvidence(b) - driverEvidence(a))[0]
  return [...singles, ...(pair ? [driverFinding(pair, scope, r.closedCurrencies)] : []), ...caveat]
}

import type { FunnelCountRow } from '../db/find-funnel-counts.js'
import { binomialUpperTail } from './binomial-distribution.js'
import { formatCount, formatDeals, formatPercent, formatProbability } from './format-figures.js'
import { noMatchFinding } from './no-match-finding.js'
import type { ReportContext } from './report-context.js'
import type { Finding, FunnelReport, FunnelStage, ReportQuery } from './report-types.js'
import { twoProportionTest } from './two-proportion-test.js'
import { scopeWords } from './winrate-report.js'

/** A stage is called a leak only when both tests (see {@link funnelReport}) give q below this. */
const LEAK_Q = 0.05

/**
 * `report funnel`: for each open stage, the deals that reached it, went past it, were lost at it
 * or still sit in it, then the won stage. From stage history when `useHistory` (a deal reached
 * every stage up to the furthest one its history or outcome shows), otherwise from the stage at
 * close (a lost deal reached the stage it was lost at, a won deal every stage, an open deal its
 * current stage). A stage is named a leak only when it loses a significantly larger share of the
 * decided deals that reach it than most of the other stages do, each compared on its own
 * (two-proportion tests, Bonferroni-adjusted over the pairs of stages: a stage that loses no deal
 * does not make the others look like leaks), AND holds more than an even share of all losses
 * (binomial test, Bonferroni-adjusted over the stages); otherwise the report says the leakage is
 * within what the stage order alone explains. Pure.
 */
export function funnelReport(
  rows: readonly FunnelCountRow[],
  context: Pick<ReportContext, 'openStages' | 'wonStage'> & Partial<Pick<ReportContext, 'wonStageInOrder'>>,
  useHistory: boolean,
  query: ReportQuery,
): FunnelReport {
  const k = context.openStages.length
  const inOrder = context.wonStageInOrder ?? true
  const pos = new Map(context.openStages.map((s, i) => [s, i]))
  const reachedAt = new Array<number>(k + 1).fill(0)
  const lostAt = new Array<number>(k).fill(0)
  const openAt = new Array<number>(k).fill(0)
  let won = 0
  let unplaced = 0
  for (const r of rows) {
    if (r.outcome === 'won') {
      won += r.n
      reachedAt[k]! += r.n
      continue
    }
    const at = r.stage === null ? undefined : pos.get(r.stage)
    if (at === undefined) {
      unplaced += r.n
      continue
    }
    const furthest = useHistory && r.furthest !== null ? Math.min(k - 1, Math.max(at, r.furthest)) : at
    reachedAt[furthest]! += r.n
    if (r.outcome === 'lost') lostAt[at]! += r.n
    else openAt[at]! += r.n
  }
  // reachedAt[i] counts deals whose furthest stage is i; reached(i) = deals whose furthest is >= i.
  const reached = reachedAt.map((_, i) => reachedAt.slice(i).reduce((s, v) => s + v, 0))
  const stages: FunnelStage[] = context.openStages.map((stage, i) => {
    const r = reached[i]!
    const advanced = reached[i + 1]!
    const lost = lostAt[i]!
    return {
      stage,
      reached: r,
      advanced,
      conversion: r > 0 ? advanced / r : null,
      lost,
      leakage: r > 0 ? lost / r : null,
      open: openAt[i]!,
      decidedConversion: advanced + lost > 0 ? advanced / (advanced + lost) : null,
    }
  })
  stages.push({
    stage: context.wonStage,
    reached: won,
    advanced: won,
    conversion: won > 0 ? 1 : null,
    lost: 0,
    leakage: won > 0 ? 0 : null,
    open: 0,
    decidedConversion: won > 0 ? 1 : null,
  })
  const open = stages.slice(0, k)
  const totalLost = lostAt.reduce((s, v) => s + v, 0)
  const topLeak = totalLost === 0 ? null : [...open].sort((a, b) => (b.leakage ?? 0) - (a.leakage ?? 0))[0]!.stage
  const findings: Finding[] = []
  const scope = scopeWords(query.where ?? {})
  const decidedAt = open.map((s) => s.reached - s.open)
  for (const [i, s] of open.entries()) {
    const decided = decidedAt[i]!
    const othersDecided = decidedAt.reduce((acc, d, j) => (j === i ? acc : acc + d), 0)
    const othersLost = totalLost - s.lost
    if (k < 2 || decided <= 0 || othersDecided <= 0 || totalLost === 0) continue
    const hazard = s.lost / decided
    const othersHazard = othersLost / othersDecided
    const beaten = beatenStages(i, open, decidedAt)
    const even = 1 / k
    // Exact (a normal approximation called 3 losses of 3 at one of four stages significant, p = 0.003 for 0.016).
    const shareP = shareTestP(s.lost, totalLost, even)
    const q = Math.min(1, Math.max(beaten.pValue, shareP * k))
    if (beaten.count > (k - 1) / 2 && q < LEAK_Q && hazard > othersHazard && s.lost / totalLost > even) {
      findings.push({
        report: 'funnel',
        key: `funnel_leak:${s.stage}`,
        significant: true,
        text: `${s.stage} is where deals${scope} leak: it loses ${formatPercent(hazard)} of the decided deals that reach it vs ${formatPercent(othersHazard)} at the other stages, and holds ${formatPercent(s.lost / totalLost)} of all ${formatCount(totalLost)} losses (${formatProbability('q', q)}).`,
      })
    }
  }
  if (findings.length === 0 && topLeak !== null) {
    const highest = highestLeakageWords(open, decidedAt)
    // Even every loss at one stage would not pass the share test: "none leaks" would be a verdict the data cannot give.
    const tooFew = k >= 2 && shareTestP(totalLost, totalLost, 1 / k) * k >= LEAK_Q
    findings.push({
      report: 'funnel',
      key: tooFew ? 'funnel_too_few_losses' : 'funnel_no_leak',
      significant: false,
      text: tooFew
        ? totalLost === 1
          ? `Only one lost deal${scope}: too few to tell a leaking stage from chance (${highest}).`
          : `Too few lost deals${scope} (${formatCount(totalLost)}) to tell a leaking stage from chance: even all of them at one stage would not be significant (${highest}).`
        : `No stage${scope} leaks significantly more than the others once each stage's share of the deals reaching it is accounted for (${highest}).`,
    })
  }
  const noMatch = reached[0]! + unplaced === 0 ? noMatchFinding('funnel', query.where ?? {}, `deal created by ${query.asOf}`) : null
  if (noMatch) findings.push(noMatch)
  const sourceNote =
    (useHistory
      ? 'From stage history: a deal reached every stage up to the furthest one its history (or a win) shows.'
      : "From each deal's stage at close (no stage history): a lost deal reached the stage it was lost at, a won deal every stage, an open deal its current stage.") +
    (unplaced > 0
      ? ` ${unplaced === 1 ? '1 lost or open deal is left out: the stage it sat at' : `${formatCount(unplaced)} lost or open deals are left out: the stage they sat at`} is not one of the open stages (${context.openStages.join(', ')}), or is not on record for that day.`
      : '') +
    (inOrder
      ? ''
      : ` The stage order (${context.openStages.join(', ')}) names no won stage: the last row, ${context.wonStage}, counts the ${formatDeals(won, 'won')}.`)
  return {
    asOf: query.asOf,
    where: query.where ?? {},
    stages,
    wonStageInOrder: inOrder,
    source: useHistory ? 'stage_history' : 'stage_at_close',
    sourceNote,
    topLeak,
    unplaced,
    findings,
  }
}

/**
 * The stage with the highest leakage, each measure named with its figure: "highest leakage: Negotiation,
 * 13% of the deals reaching it lost". When another stage loses the largest share of its decided deals
 * (the share the leak test compares: deals still open there are not decided), that one is named too,
 * so the sentence never names one stage while the test weighed another.
 */
function highestLeakageWords(open: readonly FunnelStage[], decidedAt: readonly number[]): string {
  const byLeakage = [...open].sort((a, b) => (b.leakage ?? 0) - (a.leakage ?? 0))[0]!
  const share = (i: number) => (decidedAt[i]! > 0 ? open[i]!.lost / decidedAt[i]! : 0)
  const best = open.reduce((b, _, i) => (share(i) > share(b) ? i : b), 0)
  const leakage = `highest leakage: ${byLeakage.stage}, ${formatPercent(byLeakage.leakage)} of the deals reaching it lost`
  return open[best]!.stage === byLeakage.stage
    ? leakage
    : `${leakage}; highest share of decided deals lost: ${open[best]!.stage}, ${formatPercent(share(best))}`
}

/**
 * How many other stages stage `i` loses a significantly larger share of its decided deals than
 * (two-proportion test, Bonferroni-adjusted over all pairs of stages), and the adjusted p-value it
 * needs to beat more than half of them (1 when it does not).
 */
/**
 * Two-sided p of a stage holding `lost` of `total` losses when each of the stages holds `even` of
 * them by chance: exact binomial, the upper tail doubled (only a share above even can make a leak).
 */
function shareTestP(lost: number, total: number, even: number): number {
  return lost <= total * even ? 1 : Math.min(1, 2 * binomialUpperTail(lost, total, even))
}

function beatenStages(i: number, open: readonly FunnelStage[], decidedAt: readonly number[]): { count: number; pValue: number } {
  const k = open.length
  const pairs = (k * (k - 1)) / 2
  const s = open[i]!
  const hazard = s.lost / decidedAt[i]!
  const adjusted: number[] = []
  for (const [j, o] of open.entries()) {
    if (j === i) continue
    const d = decidedAt[j]!
    if (d <= 0 || o.lost / d >= hazard) continue
    adjusted.push(Math.min(1, twoProportionTest(s.lost, decidedAt[i]!, o.lost, d).pValue * pairs))
  }
  const significant = adjusted.filter((p) => p < LEAK_Q).sort((a, b) => a - b)
  const majority = Math.floor((k - 1) / 2) + 1
  return { count: significant.length, pValue: significant.length >= majority ? significant[majority - 1]! : 1 }
}

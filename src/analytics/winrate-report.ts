import type { MonthlyCreatedRow } from '../db/find-monthly-created.js'
import type { MonthlyOutcomeRow } from '../db/find-monthly-outcomes.js'
import { addDays, monthOf, monthRange } from '../domain/dates.js'
import { roundMoney } from '../domain/round-money.js'
import { binomialUpperTail } from './binomial-distribution.js'
import { currencyCodes } from './currency-money.js'
import { formatCount, formatCountOf, formatDeals, formatMonth, formatPercent, SIGNIFICANCE_LEVEL } from './format-figures.js'
import { formatMonthLimits } from './format-month-limits.js'
import { noMatchFinding } from './no-match-finding.js'
import { oneOutcomeHistory, oneOutcomeSentence } from './one-outcome-history.js'
import { isSmallMonth, MIN_BASELINE_DEALS, pChart } from './p-chart.js'
import {
  type Finding,
  type LimitMethod,
  MAX_WINRATE_MONTHS,
  type WinrateMonth,
  type WinrateQuery,
  type WinrateReport,
} from './report-types.js'

/** Aggregates the win-rate report is computed from (`findMonthlyOutcomes`, `findMonthlyCreated`). */
export interface WinrateData {
  outcomes: readonly MonthlyOutcomeRow[]
  created: readonly MonthlyCreatedRow[]
  /** With no deal created by "as of": the first `created_date` after it, if any (the data starts later). */
  firstCreatedAfter?: string | null
  /** The currencies of the deals in scope as stored (null: not stated), whose amounts add up without conversion. */
  currencies?: readonly (string | null)[]
  /**
   * The newest day on or before "as of" on which any deal in the store was created or closed
   * (`findDataEndDay`), when the data end before the month of "as of": the month it falls in holds
   * data only up to that day, so it is left out of the volume comparison (unless it is its last day).
   */
  dataEndDay?: string | null
}

/** Months shown by default, counting the partial month. */
export const DEFAULT_WINRATE_MONTHS = 12
/** Baseline window of the p-chart, in complete months. */
export const BASELINE_MONTHS = 12

/**
 * `report winrate`: the monthly win rate as a p-chart (see {@link pChart}) for the last
 * `query.months` months ending with the partial month that contains `asOf` (none before the first
 * month with a deal created or closed: `monthsNote` then says so), with pipeline volume
 * (created per month, open pipeline at each month end) alongside, and the findings it supports.
 * Baselines reach back before the shown months. Pure.
 */
export function winrateReport(data: WinrateData, query: WinrateQuery): WinrateReport {
  const asOfMonth = monthOf(query.asOf)
  // More months than a report shows are read as its most: a request is answered, not refused.
  const requested = Math.max(1, query.months ?? DEFAULT_WINRATE_MONTHS)
  const shown = Math.min(requested, MAX_WINRATE_MONTHS)
  const firstData = [...data.outcomes.map((r) => r.month), ...data.created.map((r) => r.month)].filter((m) => m <= asOfMonth).sort()[0]
  // The calendar begins in January of year 1: a report as of its first months shows fewer.
  const asked = maxMonth(shiftMonth(asOfMonth, -(shown - 1)), FIRST_MONTH)
  // Months before the first deal hold nothing to draw or judge: shown from the first month with data.
  const firstShown = firstData !== undefined && firstData > asked ? firstData : asked
  const first = firstData !== undefined && firstData < firstShown ? firstData : firstShown
  const all = monthRange(first, asOfMonth)
  const outcomes = new Map(data.outcomes.map((r) => [r.month, r]))
  const created = new Map(data.created.map((r) => [r.month, r]))
  const { points, runSignals } = pChart(
    all.map((month) => ({ month, won: outcomes.get(month)?.won ?? 0, lost: outcomes.get(month)?.lost ?? 0, partial: month === asOfMonth })),
    { baselineMonths: BASELINE_MONTHS },
  )
  let openCount = 0
  let openAmount = 0
  const months: WinrateMonth[] = []
  for (const [i, p] of points.entries()) {
    const o = outcomes.get(p.month)
    const c = created.get(p.month)
    openCount += (c?.created ?? 0) - p.won - p.lost
    // Sums past $10^13 come to 15 significant digits, so the running amount can keep a few cents
    // after every deal has closed: with no deal open, nothing is open.
    openAmount = openCount === 0 ? 0 : roundMoney(openAmount + (c?.createdAmount ?? 0) - (o?.wonAmount ?? 0) - (o?.lostAmount ?? 0))
    if (all[i]! < firstShown) continue
    months.push({
      month: p.month,
      won: p.won,
      lost: p.lost,
      winRate: p.winRate,
      center: p.center,
      lcl: p.lcl,
      ucl: p.ucl,
      partial: p.partial,
      anomaly: p.anomaly,
      n: p.n,
      limitMethod: p.limitMethod,
      baselineFrom: p.baselineFrom,
      baselineTo: p.baselineTo,
      baselineN: p.baselineN,
      z: p.z,
      runRules: p.runRules,
      wonAmount: o?.wonAmount ?? 0,
      lostAmount: o?.lostAmount ?? 0,
      created: c?.created ?? 0,
      createdAmount: c?.createdAmount ?? 0,
      openAtEnd: openCount,
      openAmountAtEnd: Math.max(0, openAmount),
    })
  }
  const shownSignals = runSignals.filter((s) => (s.months[s.months.length - 1] ?? '') >= firstShown)
  // Only the partial month shown (--months 1): its limits are the ones to describe.
  const limited = months.filter((m) => !m.partial && m.limitMethod !== null)
  const methods = new Set(
    (limited.length > 0 ? limited : months.filter((m) => m.limitMethod !== null)).map((m) => m.limitMethod as LimitMethod),
  )
  const limitMethod: LimitMethod = methods.has('laney') ? 'laney' : methods.has('exact-binomial') ? 'exact-binomial' : 'binomial'
  const lastJudged = [...months].reverse().find((m) => !m.partial && m.limitMethod !== null)
  const overdispersion =
    [...points].reverse().find((p) => !p.partial && p.overdispersion !== null)?.overdispersion ?? (lastJudged ? 1 : null)
  const report: Omit<WinrateReport, 'findings'> = {
    asOf: query.asOf,
    where: query.where ?? {},
    months,
    limitMethod,
    limitNote: limitNote(methods, months),
    ...(firstShown > asked
      ? {
          monthsNote: `Shown from ${formatMonth(firstShown)}, the first month with a deal created or closed (${formatCountOf(months.length, 'month')}, not ${formatCount(requested)}).`,
        }
      : asked === FIRST_MONTH && months.length < shown
        ? {
            monthsNote: `Shown from ${formatMonth(FIRST_MONTH)}, the first month of the calendar (${formatCountOf(months.length, 'month')}, not ${formatCount(requested)}).`,
          }
        : requested > shown
          ? {
              monthsNote: `Shown: the latest ${formatCount(shown)} months, the most a win-rate report shows (not ${formatCount(requested)}).`,
            }
          : {}),
    overdispersion,
    baselineMonths: BASELINE_MONTHS,
    runSignals: shownSignals,
    openPipeline: { count: Math.max(0, openCount), amount: Math.max(0, openAmount) },
    currencies: currencyCodes(data.currencies ?? []),
  }
  const newestClosed = data.outcomes
    .filter((r) => r.month <= asOfMonth && r.won + r.lost > 0)
    .map((r) => r.month)
    .sort()
    .pop()
  return {
    ...report,
    findings: winrateFindings(
      report,
      newestClosed ?? null,
      firstData === undefined,
      data.firstCreatedAfter ?? null,
      data.dataEndDay ?? null,
    ),
  }
}

function limitNote(methods: Set<LimitMethod>, months: readonly WinrateMonth[]): string {
  const withBaseline = months.find((m) => m.center !== null && m.baselineFrom !== null && m.baselineTo !== null)
  // A complete month that closed deals but had too little history before it to judge is "not enough history" below.
  const closedInComplete = months.some((m) => !m.partial && m.won + m.lost > 0)
  if (methods.size === 0 && withBaseline !== undefined && !closedInComplete) {
    // There is a baseline, but no complete month shown closed a deal.
    const { center, baselineFrom, baselineTo } = withBaseline
    return `No month shown has closed deals to judge; the centre, ${formatPercent(center as number)}, is the pooled win rate of ${formatMonth(baselineFrom as string)}-${formatMonth(baselineTo as string)}.`
  }
  if (methods.size === 0 && oneOutcomeHistory(months) !== null) {
    return 'No month can be judged: every closed deal shown had the same outcome, so the history has no spread to set a normal range from.'
  }
  if (methods.size === 0) {
    return 'Not enough history to judge any month: a month needs at least 4 earlier complete months with closed deals as its baseline, won and lost deals among them.'
  }
  const parts = [
    "Limits: centre = pooled win rate of up to 12 earlier complete months (months already flagged are left out); 3-sigma binomial limits with each month's own n",
  ]
  if (methods.has('exact-binomial')) {
    const small = months.filter((m) => m.limitMethod === 'exact-binomial').map((m) => formatMonth(m.month))
    parts.push(`exact binomial limits where n is small (${small.join(', ')})`)
  }
  if (methods.has('laney')) {
    const small = months
      .filter((m) => m.limitMethod === 'laney' && m.center !== null && isSmallMonth(m.n, m.center))
      .map((m) => formatMonth(m.month))
    parts.push(
      `widened by Laney's p' (the baseline varies more than the binomial allows)${small.length > 0 ? `, never narrower than the exact binomial limits where n is small (${small.join(', ')})` : ''}`,
    )
  }
  return `${parts.join('; ')}.`
}

/**
 * The sentences the win-rate report supports: anomalies as findings (otherwise "within the normal
 * range"), then any run-rule signals as context (never significant). `newestClosed` is the newest
 * month up to "as of" with a closed deal (shown or not), so that a report run long after the data
 * ends says where the data is instead of only that the shown months are empty. `noDeal`: no deal
 * was created or closed by "as of" (with filters: none matches them).
 */
function winrateFindings(
  r: Omit<WinrateReport, 'findings'>,
  newestClosed: string | null,
  noDeal: boolean,
  firstCreatedAfter: string | null,
  dataEndDay: string | null,
): Finding[] {
  const out: Finding[] = []
  const scope = scopeWords(r.where)
  for (const m of r.months) {
    if (m.anomaly === null || m.winRate === null || m.lcl === null || m.ucl === null || m.center === null) continue
    const side = m.anomaly === 'low' ? 'below' : 'above'
    // The crossed limit keeps the decimals that tell it from the rate (26.0% vs 26.1%, not 26% vs 26%).
    const { rate, lcl, ucl } = formatMonthLimits(m)
    out.push({
      report: 'winrate',
      key: `winrate_${m.anomaly}:${m.month}`,
      significant: true,
      text: `${formatMonth(m.month)}'s win rate${scope} of ${rate} (${formatDeals(m.n, 'closed')}) is ${side} the normal range of ${lcl}-${ucl} (baseline ${formatPercent(m.center)}, ${formatMonth(m.baselineFrom as string)}-${formatMonth(m.baselineTo as string)}).`,
    })
  }
  const flagged = r.months.filter((m) => m.anomaly === 'low')
  if (flagged.length > 0) {
    const firstLow = flagged[0] as WinrateMonth
    // Months after the last one holding any deal created or closed are past the end of the data
    // (a report run long after the last import), not months in which the pipeline dried up.
    const dataEnd = [...r.months].reverse().find((m) => m.created > 0 || m.won + m.lost > 0)?.month ?? firstLow.month
    const cut = r.months.some((m) => !m.partial && m.month > dataEnd)
    // The data end inside that month (an export taken on the 15th): its deals cover part of it only,
    // so, like the partial month of "as of", it is not counted as a month of new deals.
    const endsInside = cut && dataEndDay !== null && monthOf(dataEndDay) === dataEnd && addDays(dataEndDay, 1).slice(0, 7) === dataEnd
    const recent = r.months.filter((m) => !m.partial && m.month >= firstLow.month && (endsInside ? m.month < dataEnd : m.month <= dataEnd))
    const before = r.months.filter((m) => !m.partial && m.month < firstLow.month).slice(-recent.length)
    const avg = (ms: WinrateMonth[]) => (ms.length === 0 ? 0 : ms.reduce((s, m) => s + m.created, 0) / ms.length)
    const lastCounted = recent[recent.length - 1]?.month
    const until = !cut
      ? ''
      : endsInside
        ? ` (to ${formatMonth(lastCounted ?? dataEnd)}: the data end on ${dataEndDay}, part of ${formatMonth(dataEnd)})`
        : ` (to ${formatMonth(dataEnd)}: no deal was created or closed after it)`
    if (recent.length > 0 && before.length > 0 && avg(before) > 0) {
      const change = avg(recent) / avg(before) - 1
      // A fall of a tenth or more (judged on the percent shown, so "-10%" never reads "did not fall")
      // is said to be one only when chance alone would rarely create so few deals (see volumeFallP):
      // 54 new deals in three months after 60 is noise, not a pipeline that fell with the win rate.
      const tenth = Math.round(change * 100) <= -10
      const fell = tenth && volumeFallP(recent, before) < SIGNIFICANCE_LEVEL
      // A smaller drop (printed -1% to -9%) is not "did not fall" beside its minus sign, nor a fall: within a tenth.
      out.push({
        report: 'volume',
        key: `volume_context:${firstLow.month}`,
        significant: false,
        text: `Pipeline volume${scope} ${fell ? 'fell as well' : tenth ? 'did not fall significantly with it' : Math.round(change * 100) < 0 ? 'held within a tenth of its earlier level' : 'did not fall with it'}: ${formatCount(avg(recent))} deals created per month since ${formatMonth(firstLow.month)}${until} vs ${formatCount(avg(before))} before (${change >= 0 ? '+' : ''}${Math.round(change * 100)}%), and ${formatDeals(r.openPipeline.count)} ${r.openPipeline.count === 1 ? 'was' : 'were'} open on ${r.asOf}.`,
      })
    }
  }
  if (!r.months.some((m) => m.anomaly !== null)) {
    const judged = (m: WinrateMonth) => !m.partial && m.lcl !== null && m.winRate !== null
    const last = [...r.months].reverse().find(judged)
    const oneSided = oneOutcomeHistory(r.months)
    const noMatch = noDeal ? noMatchFinding('winrate', r.where, `deal created by ${r.asOf}`) : null
    if (noMatch) {
      out.push(noMatch)
    } else if (noDeal && firstCreatedAfter !== null) {
      // "As of" a day before the data: not "too little history", which a later date would show.
      out.push({
        report: 'winrate',
        key: 'winrate_before_data',
        significant: false,
        text: `No deal${scope} was created by ${r.asOf}: the first deal${scope} was created on ${firstCreatedAfter}. Run the report as of a later date.`,
      })
    } else if (last) {
      // "Since" the first month whose limits leave out some rate: earlier months shown had no deals or
      // no baseline (no limits), or limits of 0%-100% that take every rate, so none of them was judged.
      const first = r.months.find((m) => judged(m) && !takesEveryRate(m))
      out.push({
        report: 'winrate',
        key: `winrate_normal:${last.month}`,
        significant: false,
        // Limits of 0%-100% (a handful of deals) take every rate: "within the normal range" would be a verdict the month cannot give.
        text: `${
          takesEveryRate(last)
            ? `${formatMonth(last.month)}'s ${formatDeals(last.n, 'closed')}${scope} (win rate ${formatPercent(last.winRate)}) ${last.n === 1 ? 'is' : 'are'} too few to judge: any rate would be within its limits of ${formatPercent(last.lcl)}-${formatPercent(last.ucl)}`
            : `${formatMonth(last.month)}'s win rate${scope} of ${formatPercent(last.winRate)} is within the normal range of ${formatPercent(last.lcl)}-${formatPercent(last.ucl)} for ${formatDeals(last.n, 'closed')}`
        }; ${
          first === undefined
            ? `no month shown could be judged: each had too few closed deals for its limits to leave out any rate, or no limits at all`
            : `no month${first.month < last.month ? ` since ${formatMonth(first.month)}` : ''} is outside its limits`
        }.`,
      })
    } else if (r.months.length === 1 && r.months[0]!.partial && r.months[0]!.center !== null) {
      // History enough for limits, but the one month shown is the partial one, which is never judged.
      const m = r.months[0]!
      const sofar =
        m.winRate === null || m.lcl === null
          ? 'no deal has closed in it yet'
          : `${formatPercent(m.winRate)} so far for ${formatCount(m.n)} closed deal${m.n === 1 ? '' : 's'} (normal range ${formatPercent(m.lcl)}-${formatPercent(m.ucl)})`
      out.push({
        report: 'winrate',
        key: `winrate_partial_only:${m.month}`,
        significant: false,
        text: `${formatMonth(m.month)}${scope} is still under way, so it is not judged: ${sofar}. Show 2 or more months to judge the last complete one.`,
      })
    } else if (newestClosed !== null && newestClosed < (r.months[0]?.month ?? '')) {
      out.push({
        report: 'winrate',
        key: `winrate_no_recent:${newestClosed}`,
        significant: false,
        text: `No deal${scope} closed in the ${r.months.length} months shown (${formatMonth(r.months[0]!.month)}-${formatMonth(r.months[r.months.length - 1]!.month)}); the newest closes in the data are from ${formatMonth(newestClosed)}. Run the report as of a date in ${formatMonth(newestClosed)} to see the months before it.`,
      })
    } else if (oneSided !== null) {
      out.push({
        report: 'winrate',
        key: `winrate_one_outcome:${oneSided.to}`,
        significant: false,
        text: `${oneOutcomeSentence(oneSided, scope)}.`,
      })
    } else {
      out.push({
        report: 'winrate',
        key: 'winrate_no_baseline',
        significant: false,
        text: `Not enough closed-deal history${scope} to judge the win rate yet: a month is judged against at least 4 earlier complete months holding ${MIN_BASELINE_DEALS} or more closed deals, won and lost.`,
      })
    }
  }
  // Run rules are context: four rules over a year of months raise a false alarm on flat data
  // several times in a hundred on top of the limits' own rate, so no run is a finding on its own.
  for (const s of r.runSignals) {
    out.push({
      report: 'winrate',
      key: `winrate_run_${s.rule}:${s.months[s.months.length - 1]}`,
      significant: false,
      text: `Secondary signal, not a finding on its own: ${s.name}${scope} (${formatMonth(s.months[0] as string)}-${formatMonth(s.months[s.months.length - 1] as string)}).`,
    })
  }
  return out
}

/**
 * One-sided P of as few deals created in the `recent` months as there were, if they and the months
 * `before` them created deals at one rate: given the total, the recent months' count is binomial
 * with their share of the months (the exact conditional test of two Poisson counts).
 * @example volumeFallP(three months of 18, three of 20) // 0.32: no evidence of a fall
 */
export function volumeFallP(recent: readonly Pick<WinrateMonth, 'created'>[], before: readonly Pick<WinrateMonth, 'created'>[]): number {
  const r = recent.reduce((s, m) => s + m.created, 0)
  const total = before.reduce((s, m) => s + m.created, r)
  const share = recent.length / (recent.length + before.length)
  // P(X <= r) for X ~ Binomial(total, share), as the upper tail of the months before.
  return binomialUpperTail(total - r, total, 1 - share)
}

/** ` in EMEA, 50k-100k` for a filtered report; empty otherwise. */
export function scopeWords(where: Readonly<Record<string, string | undefined>>): string {
  const values = Object.values(where).filter((v): v is string => v !== undefined)
  return values.length === 0 ? '' : ` (${values.join(', ')})`
}

/** The first month `YYYY-MM` can name: the calendar has no year 0. */
const FIRST_MONTH = '0001-01'

/** `month` moved by `delta` months; before {@link FIRST_MONTH}, a text that sorts before it. */
function shiftMonth(month: string, delta: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + delta
  if (index < 12) return '0000-00'
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`
}

function maxMonth(a: string, b: string): string {
  return a > b ? a : b
}

/** Limits of 0%-100%: a month of a handful of deals, where any rate is within them, so none is judged. */
function takesEveryRate(m: WinrateMonth): boolean {
  return m.lcl !== null && m.ucl !== null && m.lcl <= 0 && m.ucl >= 1
}

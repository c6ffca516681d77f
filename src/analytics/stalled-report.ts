import type { StalePipeline } from '../db/find-stale-pipeline.js'
import type { DealList, OpenDealRow } from '../db/find-stalled-deals.js'
import { daysBetween } from '../domain/dates.js'
import { closedSinceLeftOut, closedSinceSentence } from './closed-since-sentence.js'
import { currencyCodes, currencyMoney } from './currency-money.js'
import { formatCount, formatCountOf, formatDeals, formatPercent } from './format-figures.js'
import { noActivityAdvice } from './no-activity-advice.js'
import { noMatchFinding } from './no-match-finding.js'
import type { ReportContext } from './report-context.js'
import { type Finding, type ReportQuery, STAGE_NOT_KNOWN, type StageTime, type StalledDeal, type StalledReport } from './report-types.js'
import { MIN_COMPLETED_STAYS_FOR_P90, stageP90Thresholds, stagesWithoutP90 } from './stage-p90-thresholds.js'
import { scopeWords } from './winrate-report.js'

/** What the stalled report is computed from. */
export interface StalledData {
  stalled: DealList
  overStageP90: DealList
  stale: StalePipeline
  /** Time in stage per stage (its p90 is the stage-aware threshold). */
  stageTimes: readonly StageTime[]
}

/**
 * `report stalled`: stalled open deals (design.md: amount >= alert amount, idle >= idle days),
 * flagged separately the large open deals sitting in their stage longer than that stage's p90
 * (not already stalled), and the stale ("zombie") open pipeline. Pure.
 */
export function stalledReport(
  data: StalledData,
  context: Pick<ReportContext, 'rules'> & Partial<Pick<ReportContext, 'openStages'>>,
  query: ReportQuery,
): StalledReport {
  const p90 = stageP90Thresholds(data.stageTimes)
  const planned = data.stale.plannedCloses
  const newestRecord = planned.newestRecord
  const openStages = context.openStages === undefined ? null : new Set(context.openStages)
  // A deal closed since is listed in the stage it was in that day only when that is known: a won
  // deal without stage history, or one lost at a stage that is not an open one, shows none.
  const stageThen = (d: OpenDealRow): string | null =>
    d.stage === null || (d.outcome !== 'open' && openStages !== null && !openStages.has(d.stage)) ? null : d.stage
  const toDeal = (d: OpenDealRow): StalledDeal => {
    const stage = stageThen(d)
    return {
      dealId: d.dealId,
      ownerEmail: d.ownerEmail,
      amount: d.amount,
      stage: stage ?? STAGE_NOT_KNOWN,
      daysIdle: Math.max(0, daysBetween(d.lastActivity, query.asOf)),
      idleFrom: d.idleFrom,
      ownerId: d.ownerId,
      dealName: d.dealName,
      daysInStage: Math.max(0, daysBetween(d.stageEntered, query.asOf)),
      stageP90: stage === null ? null : (p90.get(stage) ?? null),
      currency: d.currency,
      ...(d.outcome === 'open'
        ? {}
        : {
            outcomeNow: d.outcome,
            ...(d.closedDate === null
              ? {}
              : { closedDate: d.closedDate, closePlanned: newestRecord !== null && d.closedDate > newestRecord }),
          }),
    }
  }
  const rules = context.rules
  const scope = scopeWords(query.where ?? {})
  const s = data.stale
  const findings: Finding[] = []
  // A past "as of" with deals closed since: counted as open that day (`closedSinceCounted`), or
  // (DMs, deals open now) left out, which the sentences then say.
  const counted = s.closedSince > 0 && s.closedSinceCounted
  // Each total in the currency of the deals it adds up, or marked as mixed, naming them.
  const stalledCurrencies = currencyCodes(data.stalled.currencies)
  const overCurrencies = currencyCodes(data.overStageP90.currencies)
  const openCurrencies = currencyCodes(s.openCurrencies)
  const staleCurrencies = currencyCodes(s.staleCurrencies)
  const noActivityCurrencies = currencyCodes(s.noActivityByAsOfCurrencies)
  const open = currencyMoney(openCurrencies)
  const stillOpen = s.closedSince > 0 && !s.closedSinceCounted
  if (data.stalled.count > 0) {
    const n = data.stalled.count
    const unrecorded = data.stalled.noActivityDate
    const money = currencyMoney(stalledCurrencies)
    // Without an activity date, days idle run from a stand-in date: say so rather than state a quiet spell as fact.
    const standIn = standInSentence(
      unrecorded,
      n,
      'activity date',
      (one) => `${one ? 'its' : 'their'} days idle run from the last record update, else`,
    )
    findings.push({
      report: 'stalled',
      key: 'stalled_deals',
      significant: true,
      // A past "as of" with deals closed since: the count covers only those still open now, which the
      // sentence says on its own, since the summary shows it without the note on the closed ones.
      text: `${stillOpen ? `Of the deals${scope} open on ${query.asOf} that are still open now, ${formatCount(n)}` : counted ? `${formatCount(n)} deal${n === 1 ? '' : 's'}${scope} open on ${query.asOf}` : `${formatCount(n)} open deal${n === 1 ? '' : 's'}${scope}`} worth ${money.totalNamed(data.stalled.amount)} ${stillOpen || counted ? (n === 1 ? 'was' : 'were') : n === 1 ? 'is' : 'are'} stalled (${money.atLeast(rules.alertAmount)}, ${unrecorded === n ? 'idle' : 'no activity'} for ${formatCount(rules.idleDays)}+ days).${standIn}`,
    })
  }
  if (data.overStageP90.count > 0) {
    findings.push({
      report: 'stalled',
      key: 'stalled_over_p90',
      significant: true,
      text: `${formatCount(data.overStageP90.count)} more large deal${data.overStageP90.count === 1 ? '' : 's'}${scope}, worth ${currencyMoney(overCurrencies).totalNamed(data.overStageP90.amount)}, ${data.overStageP90.count === 1 ? 'is' : 'are'} still active but ${data.overStageP90.count === 1 ? 'has' : 'have'} sat in their stage longer than 90% of stays there.`,
    })
  }
  if (s.staleCount > 0) {
    const n = s.staleCount
    const undated = s.staleWithoutTouchDate
    const standIn = standInSentence(undated, n, 'update or activity date', (one) => `${one ? 'its' : 'their'} quiet spell runs from`)
    findings.push({
      report: 'stalled',
      key: 'stale_pipeline',
      significant: true,
      text: `Zombie pipeline: ${formatCount(n)} of ${stillOpen ? `the ${formatDeals(s.openCount)}${scope} open on ${query.asOf} that are still open now` : counted ? `the ${formatDeals(s.openCount)}${scope} open on ${query.asOf}` : `${formatDeals(s.openCount, 'open')}${scope}`}, worth ${currencyMoney(staleCurrencies).totalNamed(s.staleAmount)}${s.openAmount > 0 ? ` (${formatPercent(s.staleAmount / s.openAmount)} of open pipeline)` : ''}, ${counted ? 'had' : n === 1 ? 'has' : 'have'} had no update or activity for over ${formatCountOf(rules.staleDays, 'day')}.${standIn}`,
    })
  }
  // Listed deals closed since whose stage that day is not known (shown as STAGE_NOT_KNOWN).
  const unknownStage = [...data.stalled.deals, ...data.overStageP90.deals].filter((d) => d.outcome !== 'open' && stageThen(d) === null)
  if (counted) {
    // The store keeps each deal as it is now: a deal closed since counts by the dates it keeps.
    const k = s.closedSince
    findings.push({
      report: 'stalled',
      key: 'stalled_past_as_of',
      significant: false,
      text: `${closedSinceSentence(k, planned, `${scope} open on ${query.asOf}`)}; ${k === 1 ? 'it is' : 'they are'} counted by the activity and update dates ${k === 1 ? 'its record keeps' : 'their records keep'}, in the stage ${k === 1 ? 'it was' : 'they were'} in that day.${stageNotKnownSentence(unknownStage)}`,
    })
  } else if (s.closedSince > 0) {
    // Deals open now only (DMs): the deals open then that closed since are gone from the open
    // pipeline, and the open ones' idle days count from their latest activity.
    findings.push({
      report: 'stalled',
      key: 'stalled_past_as_of',
      significant: false,
      text: `${closedSinceLeftOut(s.closedSince, planned, `${scope} open on ${query.asOf}`)}: only deals still open now are listed, with the activity known now, since which deals were idle on a past day cannot be rebuilt.${query.today === undefined || query.asOf < query.today ? ' Run it as of today for the deals stalled now.' : ''}`,
    })
  }
  const unknown = s.noActivityByAsOfCount
  const known = s.openCount - unknown
  const withActivity = currencyMoney(currencyCodes(s.activityByAsOfCurrencies))
  // With every open deal left out there is nothing to say "none" about: the note below says it all.
  const noMatch =
    s.openCount === 0 && s.closedSince === 0 ? noMatchFinding('stalled', query.where ?? {}, `deal open on ${query.asOf}`) : null
  if (noMatch) {
    findings.push(noMatch)
  } else if (findings.length === 0 && (known > 0 || unknown === 0)) {
    findings.push({
      report: 'stalled',
      key: 'stalled_none',
      significant: false,
      text: counted
        ? `No deal${scope} open on ${query.asOf}${unknown > 0 ? ` with activity recorded by then` : ''} was stalled or stale (${formatDeals(known)}, ${withActivity.totalNamed(s.openAmount - s.noActivityByAsOfAmount)}).`
        : unknown > 0
          ? `No open deal${scope} with activity recorded by ${query.asOf} is stalled or stale (${formatDeals(known, 'open')}, ${withActivity.totalNamed(s.openAmount - s.noActivityByAsOfAmount)}).`
          : `No open deal${scope} is stalled or stale (${formatDeals(s.openCount, 'open')}, ${open.totalNamed(s.openAmount)}).`,
    })
  }
  if (unknown > 0) {
    // Only each deal's latest activity is kept: one dated after "as of" hides whether it was idle then.
    findings.push({
      report: 'stalled',
      key: 'stalled_no_activity_by_as_of',
      significant: false,
      text: `${formatCount(unknown)} ${counted ? `deal${unknown === 1 ? '' : 's'}${scope} open on ${query.asOf}` : `open deal${unknown === 1 ? '' : 's'}${scope}`}, worth ${currencyMoney(noActivityCurrencies).totalNamed(s.noActivityByAsOfAmount)}, had no recorded activity by ${query.asOf}; left out: ${unknown === 1 ? 'its' : 'their'} latest recorded activity is after that day, so whether ${unknown === 1 ? 'it was' : 'they were'} stalled or stale then cannot be told.${stillOpen ? '' : noActivityAdvice(unknown, query.asOf, query.today)}`,
    })
  }
  return {
    asOf: query.asOf,
    where: query.where ?? {},
    rules,
    stalled: data.stalled.deals.map(toDeal),
    stalledCount: data.stalled.count,
    stalledAmount: data.stalled.amount,
    stalledWithoutActivityDate: data.stalled.noActivityDate,
    stalledCurrencies,
    overStageP90: data.overStageP90.deals.map(toDeal),
    overStageP90Count: data.overStageP90.count,
    overStageP90Amount: data.overStageP90.amount,
    overStageP90Currencies: overCurrencies,
    stageP90MinCompleted: MIN_COMPLETED_STAYS_FOR_P90,
    stagesWithoutP90: stagesWithoutP90(data.stageTimes),
    stale: { count: s.staleCount, amount: s.staleAmount, withoutTouchDate: s.staleWithoutTouchDate, closedCount: s.staleClosedCount },
    openCount: s.openCount,
    openAmount: s.openAmount,
    openCurrencies,
    staleCurrencies,
    closedSince: s.closedSince,
    plannedCloses: { count: planned.count, newestRecord: planned.count > 0 ? newestRecord : null },
    noActivityByAsOf: { count: s.noActivityByAsOfCount, amount: s.noActivityByAsOfAmount },
    noActivityByAsOfCurrencies: noActivityCurrencies,
    findings,
  }
}

/**
 * The sentence saying that `undated` of `n` deals lack a `missing` date (`missing` takes "an"), so that what is measured
 * (`measured`, given whether one deal is meant) runs from the day each entered its stage or was
 * created; empty when none lacks it.
 */
function standInSentence(undated: number, n: number, missing: string, measured: (one: boolean) => string): string {
  if (undated === 0) return ''
  const one = undated === 1
  // "None of them has no ... date" would say that every one has it: when all lack it, say none has one.
  const lack =
    undated === n
      ? n === 1
        ? `It has no ${missing}`
        : `None of them has an ${missing}`
      : `${formatCount(undated)} of them ${one ? 'has' : 'have'} no ${missing}`
  return ` ${lack} on record, so ${measured(one)} the day ${one ? 'it' : 'they'} entered ${one ? 'its' : 'their'} stage or ${one ? 'was' : 'were'} created.`
}

/**
 * The sentence on listed deals closed since whose stage on the past "as of" is not known (none:
 * empty): won since, or lost at a stage that is not an open one, with no stage history.
 */
function stageNotKnownSentence(deals: readonly OpenDealRow[]): string {
  const n = deals.length
  if (n === 0) return ''
  const won = deals.filter((d) => d.outcome === 'won').length
  // "Recorded": a close dated after the newest record is planned, not one that has happened.
  const why =
    won === n
      ? `${n === 1 ? 'it is' : 'they are'} recorded won, with no stage history, and a won deal's recorded stage does not say where it was then`
      : won === 0
        ? `${n === 1 ? 'it is' : 'they are'} recorded lost at a stage that is not an open one, with no stage history`
        : `recorded won, or lost at a stage that is not an open one, with no stage history`
  return ` The stage that day of ${n === 1 ? '1 listed deal' : `${formatCount(n)} listed deals`} is not known (shown as ${STAGE_NOT_KNOWN}): ${why}.`
}

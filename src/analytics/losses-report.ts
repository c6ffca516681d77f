import type { LossStageRow } from '../db/find-loss-stages.js'
import { roundMoney } from '../domain/round-money.js'
import { currencyCodes, currencyMoney } from './currency-money.js'
import { formatCount, formatDeals, formatPercent } from './format-figures.js'
import { noMatchFinding } from './no-match-finding.js'
import type { ReportContext } from './report-context.js'
import type { Finding, LossesReport, LossStage, ReportQuery } from './report-types.js'
import { scopeWords } from './winrate-report.js'

/**
 * `report losses`: lost deals (closed by `asOf`) by the stage they were lost at, largest count
 * first (ties: larger lost amount, then stage name), with the days spent on them (created to closed) and the share lost at the last two open
 * stages. Lost deals that name a stage outside the open ones (an export writing `Closed`) are
 * shown as they are and said to have no recorded stage. `currencies`: those of the lost deals
 * (null: not stated), whose amounts add up without conversion. Pure.
 */
export function lossesReport(
  rows: readonly LossStageRow[],
  context: Pick<ReportContext, 'lateStages' | 'openStages'>,
  query: ReportQuery,
  currencies: readonly (string | null)[] = [],
): LossesReport {
  // The lost amounts in the lost deals' currency, or marked as mixed, naming them.
  const lostCurrencies = currencyCodes(currencies)
  const money = currencyMoney(lostCurrencies)
  const totalLost = rows.reduce((s, r) => s + r.lost, 0)
  const totalLostAmount = roundMoney(rows.reduce((s, r) => s + r.lostAmount, 0))
  const late = new Set(context.lateStages)
  const open = new Set(context.openStages)
  const stages: LossStage[] = rows
    .map((r) => ({
      stage: r.stage,
      lost: r.lost,
      lostAmount: r.lostAmount,
      share: totalLost > 0 ? r.lost / totalLost : 0,
      amountShare: totalLostAmount > 0 ? r.lostAmount / totalLostAmount : null,
      daysSpent: r.daysSpent,
      meanDaysSpent: r.lost > 0 ? r.daysSpent / r.lost : null,
      lateStage: late.has(r.stage),
      openStage: open.has(r.stage),
    }))
    .sort(byLostThenAmount)
  const lateRows = stages.filter((s) => s.lateStage)
  // Deals naming a stage outside the open ones may have been lost late or early: the shares count only recorded stages.
  const recordedRows = stages.filter((s) => s.openStage)
  const recordedLost = recordedRows.reduce((s, r) => s + r.lost, 0)
  const recordedAmount = roundMoney(recordedRows.reduce((s, r) => s + r.lostAmount, 0))
  const allRecorded = recordedLost === totalLost
  // No late stages (fewer than three open stages): no late share to give.
  const hasLate = context.lateStages.length > 0
  const lateStageShare = hasLate && recordedLost > 0 ? lateRows.reduce((s, r) => s + r.lost, 0) / recordedLost : null
  const lateStageAmountShare =
    hasLate && recordedAmount > 0 ? roundMoney(lateRows.reduce((s, r) => s + r.lostAmount, 0)) / recordedAmount : null
  const findings: Finding[] = []
  if (totalLost > 0 && lateStageShare !== null) {
    const days = lateRows.reduce((s, r) => s + r.daysSpent, 0)
    const of = allRecorded ? 'of lost deals' : `of the ${formatDeals(recordedLost, 'lost')} whose stage is recorded`
    findings.push({
      report: 'losses',
      key: 'losses_late_share',
      significant: false,
      text:
        lateStageShare === 1 && recordedLost === 1
          ? `The one lost deal${allRecorded ? '' : ' whose stage is recorded'}${scopeWords(query.where ?? {})} (${money.totalNamed(recordedAmount)}) was lost late, at ${lateRows.find((r) => r.lost > 0)?.stage}, after ${formatCount(days)} deal-days of work.`
          : lateStageShare === 0
            ? `${recordedLost === 1 ? 'The one lost deal' : `None of the ${formatCount(recordedLost)} lost deals`}${allRecorded ? '' : ' whose stage is recorded'}${scopeWords(query.where ?? {})} was ${recordedLost === 1 ? 'not ' : ''}lost late, at ${context.lateStages.join(' or ')}.`
            : `${formatPercent(lateStageShare)} ${of}${scopeWords(query.where ?? {})} (${money.totalNamed(lateRows.reduce((s, r) => s + r.lostAmount, 0))}, ${formatPercent(lateStageAmountShare)} of ${allRecorded ? 'the lost amount' : 'their amount'}) were lost late, at ${context.lateStages.join(' or ')}, after ${formatCount(days)} deal-days of work.`,
    })
  }
  const unrecorded = stages.filter((s) => !s.openStage && s.lost > 0)
  if (unrecorded.length > 0) {
    const n = unrecorded.reduce((sum, s) => sum + s.lost, 0)
    const names = unrecorded.map((s) => s.stage).join(', ')
    findings.push({
      report: 'losses',
      key: 'losses_stage_not_recorded',
      significant: false,
      text: `${formatCount(n)} lost deal${n === 1 ? '' : 's'}${scopeWords(query.where ?? {})} (${formatPercent(totalLost > 0 ? n / totalLost : null)}) ${n === 1 ? 'names' : 'name'} ${names} as the stage lost at, which is not one of the open stages (${context.openStages.join(', ')}): where ${n === 1 ? 'it was' : 'they were'} really lost is not recorded.`,
    })
  }
  const noMatch = totalLost === 0 ? noMatchFinding('losses', query.where ?? {}, `deal lost by ${query.asOf}`) : null
  if (noMatch) findings.push(noMatch)
  return {
    asOf: query.asOf,
    where: query.where ?? {},
    stages,
    totalLost,
    totalLostAmount,
    lostCurrencies,
    openStages: [...context.openStages],
    lateStages: [...context.lateStages],
    lateStageShare,
    lateStageAmountShare,
    findings,
  }
}

/**
 * The losses report's order: most lost deals first; of stages losing as many, the larger lost
 * amount first, then the stage name, so equal counts list the same way on every run.
 * @example [{ stage: 'Closed', lost: 5, lostAmount: 10 }, { stage: 'Demo', lost: 5, lostAmount: 20 }].sort(byLostThenAmount) // Demo first
 */
export function byLostThenAmount(
  a: Pick<LossStage, 'stage' | 'lost' | 'lostAmount'>,
  b: Pick<LossStage, 'stage' | 'lost' | 'lostAmount'>,
): number {
  return b.lost - a.lost || b.lostAmount - a.lostAmount || a.stage.localeCompare(b.stage)
}

import type { StageDurationRow } from '../db/find-stage-durations.js'
import { kaplanMeierPercentiles } from './kaplan-meier-percentiles.js'
import type { ReportContext } from './report-context.js'
import type { ReportQuery, StageTime, TimeInStageReport } from './report-types.js'

/**
 * Days in each open stage: Kaplan-Meier median, p75 and p90 of stays, with stays still running as
 * of `asOf` censored (kept at risk up to their current length, never dropped). The p90 is the
 * stage-aware stall threshold. Pure.
 */
export function timeInStageReport(
  rows: readonly StageDurationRow[],
  context: Pick<ReportContext, 'openStages'>,
  useHistory: boolean,
  query: ReportQuery,
): TimeInStageReport {
  const stages: StageTime[] = context.openStages.map((stage) => {
    const km = kaplanMeierPercentiles(rows.filter((r) => r.stage === stage))
    return {
      stage,
      stays: km.completed + km.censored,
      completed: km.completed,
      censored: km.censored,
      median: km.median,
      p75: km.p75,
      p90: km.p90,
    }
  })
  const known = stages.some((s) => s.completed > 0)
  const sourceNote = useHistory
    ? 'From stage history: a stay ends when the deal leaves the stage or closes; stays still running are censored (Kaplan-Meier).'
    : `No stage history: open deals' current stays (since stage_entered_date, else created) are censored, and lost deals with a stage_entered_date give completed stays in the stage they were lost at.${known ? '' : ' No completed stay is known, so no percentile can be estimated.'}`
  return { asOf: query.asOf, where: query.where ?? {}, stages, source: useHistory ? 'stage_history' : 'stage_at_close', sourceNote }
}

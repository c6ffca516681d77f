import { funnelReport } from '../../src/analytics/funnel-report.js'
import { lossesReport } from '../../src/analytics/losses-report.js'
import type { DriversReport, FindingsSummary, ReportQuery } from '../../src/analytics/report-types.js'
import { stalledReport } from '../../src/analytics/stalled-report.js'
import { summarizeFindings } from '../../src/analytics/summarize-findings.js'
import { winrateReport } from '../../src/analytics/winrate-report.js'
import { emptyStalePipeline } from '../helpers/empty-stale-pipeline.js'

/** The findings summary of a store whose only findings can be `drivers`' (every other report empty). */
export function summaryOfDrivers(drivers: DriversReport, q: ReportQuery): FindingsSummary {
  const empty = { deals: [], count: 0, amount: 0, noActivityDate: 0, currencies: [] }
  return summarizeFindings(
    {
      winrate: winrateReport({ outcomes: [], created: [] }, q),
      losses: lossesReport([], { lateStages: [], openStages: [] }, q),
      funnel: funnelReport([], { openStages: ['Qualified'], wonStage: 'Closed' }, false, q),
      drivers,
      stalled: stalledReport(
        {
          stalled: empty,
          overStageP90: empty,
          stale: emptyStalePipeline(),
          stageTimes: [],
        },
        { rules: { alertAmount: 50_000, idleDays: 14, staleDays: 30 } },
        q,
      ),
    },
    q,
  )
}

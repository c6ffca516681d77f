import { funnelReport } from '../../src/analytics/funnel-report.js'
import { lossesReport } from '../../src/analytics/losses-report.js'
import type { DriversReport, FindingsSummary, ReportQuery } from '../../src/analytics/report-types.js'
import { stalledReport } from '../../src/analytics/stalled-report.js'
import { summarizeFindings } from '../../src/analytics/summarize-findings.js'
import { winrateReport } from '../../src/analytics/winrate-report.js'

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
          stale: {
            openCount: 0,
            openAmount: 0,
            staleCount: 0,
            staleAmount: 0,
            staleWithoutTouchDate: 0,
            staleClosedCount: 0,
            closedSince: 0,
            plannedCloses: { count: 0, newestRecord: null },
            openCurrencies: [],
            staleCurrencies: [],
            closedSinceCounted: false,
            noActivityByAsOfCount: 0,
            noActivityByAsOfAmount: 0,
            standInOnAsOf: false,
          },
          stageTimes: [],
        },
        { rules: { alertAmount: 50_000, idleDays: 14, staleDays: 30 } },
        q,
      ),
    },
    q,
  )
}

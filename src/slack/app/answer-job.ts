import type { Kysely } from 'kysely'
import { loadDriversReport } from '../../analytics/load-drivers-report.js'
import { loadFunnelReport } from '../../analytics/load-funnel-report.js'
import { loadLossesReport } from '../../analytics/load-losses-report.js'
import { loadStalledReport } from '../../analytics/load-stalled-report.js'
import { loadWinrateReport } from '../../analytics/load-winrate-report.js'
import type {
  DriversReport,
  FunnelReport,
  LossesReport,
  ReportQuery,
  StalledQuery,
  StalledReport,
  WinrateQuery,
  WinrateReport,
} from '../../analytics/report-types.js'
import { renderReportChart } from '../../charts/render-report-chart.js'
import type { Database } from '../../db/schema.js'
import type { ChartKind, RenderedChart } from './pulse-services.js'

/**
 * The part of a Slack answer that keeps a CPU busy: a report computed from the store (up to
 * seconds of SQL on a 1M-deal store for a past "as of" or two filters) or a chart drawn (15-50 ms).
 */
export type AnswerJob =
  | { readonly kind: 'winrate'; readonly query: WinrateQuery }
  | { readonly kind: 'losses'; readonly query: ReportQuery }
  | { readonly kind: 'funnel'; readonly query: ReportQuery }
  | { readonly kind: 'drivers'; readonly query: ReportQuery }
  | { readonly kind: 'stalled'; readonly query: StalledQuery }
  | { readonly kind: 'chart'; readonly chart: ChartKind; readonly report: AnswerJobResults[ChartKind] }

/** What each {@link AnswerJob} returns. */
export interface AnswerJobResults {
  winrate: WinrateReport
  losses: LossesReport
  funnel: FunnelReport
  drivers: DriversReport
  stalled: StalledReport
  chart: RenderedChart
}

/** Runs `job` over `db`, on the calling thread (see `startAnswerWorkers` for running it on another). */
export async function runAnswerJobHere<J extends AnswerJob>(db: Kysely<Database>, job: J): Promise<AnswerJobResults[J['kind']]> {
  return (await runAny(db, job)) as AnswerJobResults[J['kind']]
}

async function runAny(db: Kysely<Database>, job: AnswerJob): Promise<AnswerJobResults[AnswerJob['kind']]> {
  switch (job.kind) {
    case 'winrate':
      return loadWinrateReport(db, job.query)
    case 'losses':
      return loadLossesReport(db, job.query)
    case 'funnel':
      return loadFunnelReport(db, job.query)
    case 'drivers':
      return loadDriversReport(db, job.query)
    case 'stalled':
      return loadStalledReport(db, job.query)
    case 'chart': {
      // The kind and the report always travel together (see each subcommand).
      const chart = await renderReportChart(job.chart, job.report as never)
      return { png: chart.png, title: chart.title, altText: chart.altText }
    }
  }
}

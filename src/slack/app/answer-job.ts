import type { Kysely } from 'kysely'
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
import { loadDriversReport } from '../../services/load-drivers-report.js'
import { loadFunnelReport } from '../../services/load-funnel-report.js'
import { loadLossesReport } from '../../services/load-losses-report.js'
import { loadStalledReport } from '../../services/load-stalled-report.js'
import { loadWinrateReport } from '../../services/load-winrate-report.js'
import { findDealCards } from './find-deal-cards.js'
import { loadPulseStatus } from './load-pulse-status.js'
import type { ChartKind, DealCard, PulseStatus, RenderedChart } from './pulse-services.js'

/**
 * The part of a Slack answer that keeps a CPU busy: a report computed from the store (up to
 * seconds of SQL on a 1M-deal store for a past "as of" or two filters), a chart drawn (15-50 ms),
 * a deal searched for by name or the store's status (0.1-0.3 s each).
 */
export type AnswerJob =
  | { readonly kind: 'winrate'; readonly query: WinrateQuery }
  | { readonly kind: 'losses'; readonly query: ReportQuery }
  | { readonly kind: 'funnel'; readonly query: ReportQuery }
  | { readonly kind: 'drivers'; readonly query: ReportQuery }
  | { readonly kind: 'stalled'; readonly query: StalledQuery }
  | { readonly kind: 'chart'; readonly chart: ChartKind; readonly report: AnswerJobResults[ChartKind] }
  | {
      readonly kind: 'deals'
      readonly idOrName: string
      readonly asOf: string
      readonly limit: number
      readonly ownerIds?: readonly string[]
    }
  | { readonly kind: 'status' }

/** What each {@link AnswerJob} returns. */
export interface AnswerJobResults {
  winrate: WinrateReport
  losses: LossesReport
  funnel: FunnelReport
  drivers: DriversReport
  stalled: StalledReport
  chart: RenderedChart
  deals: DealCard[]
  status: PulseStatus
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
    case 'deals':
      return findDealCards(db, job.idOrName, job.asOf, job.limit, job.ownerIds)
    case 'status':
      return loadPulseStatus(db)
    case 'chart': {
      // The kind and the report always travel together (see each subcommand).
      const chart = await renderReportChart(job.chart, job.report as never)
      return { png: chart.png, title: chart.title, altText: chart.altText }
    }
  }
}

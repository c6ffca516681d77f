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
import type { Database } from '../../db/schema.js'

/** The charts Slack shows, one per report. */
export type ChartKind = 'winrate' | 'losses' | 'funnel' | 'drivers' | 'stalled'

/** A rendered chart. */
export interface RenderedChart {
  readonly png: Buffer
  readonly title: string
  readonly altText: string
}

/** A deal's health from the current model (issue 4): score 0-100 and reasons in plain words. */
export interface DealHealth {
  readonly dealId: string
  readonly healthScore: number
  /** Null when the model is not informative (its probabilities are not shown as predictions). */
  readonly winProbability: number | null
  readonly reasons: readonly string[]
}

/** One deal as Slack shows it (DMs, `/pulse deal`, a rep's Home). */
export interface DealCard {
  readonly dealId: string
  readonly dealName: string | null
  readonly ownerId: string
  readonly ownerEmail: string | null
  readonly amount: number
  /** The CRM gave the deal no amount (`amount` is then 0). */
  readonly amountMissing?: boolean
  readonly currency: string | null
  readonly stage: string
  readonly outcome: 'won' | 'lost' | 'open'
  /** Null for a closed deal. */
  readonly daysIdle: number | null
  readonly lastActivity: string | null
  readonly crmUrl: string | null
  readonly health: DealHealth | null
}

/** What `/pulse status` reports. */
export interface PulseStatus {
  readonly deals: number
  readonly openDeals: number
  /** The last CSV import or CRM sync. */
  readonly lastLoad: { readonly source: string; readonly at: string; readonly status: string; readonly rows: number } | null
  /** The current model, or null when none is trained. */
  readonly model: {
    readonly modelId: string
    readonly trainedAt: string
    readonly auc: number | null
    readonly aucLow: number | null
    readonly aucHigh: number | null
    readonly informative: boolean
  } | null
  /**
   * Each job's latest run that was not a skipped tick and, while no run of it succeeded since,
   * its latest failure (see `findLastJobRuns`), by job name.
   */
  readonly jobs: readonly {
    readonly job: string
    readonly lastRun: { readonly status: string; readonly at: string; readonly error: string | null }
    readonly lastFailure: { readonly at: string; readonly error: string | null } | null
  }[]
}

/**
 * The layers below Slack as Slack uses them: reports (analytics), charts, model scores and CRM
 * sync. `createPulseServices()` binds the real modules; Slack code depends on this shape only.
 */
export interface PulseServices {
  winrate(db: Kysely<Database>, query: WinrateQuery): Promise<WinrateReport>
  losses(db: Kysely<Database>, query: ReportQuery): Promise<LossesReport>
  funnel(db: Kysely<Database>, query: ReportQuery): Promise<FunnelReport>
  drivers(db: Kysely<Database>, query: ReportQuery): Promise<DriversReport>
  stalled(db: Kysely<Database>, query: StalledQuery): Promise<StalledReport>
  /** The chart of a report: a PNG, its title (the finding, when there is one) and alt text. */
  renderChart(kind: ChartKind, report: WinrateReport | LossesReport | FunnelReport | DriversReport | StalledReport): Promise<RenderedChart>
  /**
   * Health of the given deals from the current model as of `asOf`: the stored scores, or, for a
   * deal last scored for another day, its score computed again for `asOf` (missing deals: no score yet).
   */
  dealHealth(db: Kysely<Database>, dealIds: readonly string[], asOf: string): Promise<Map<string, DealHealth>>
  /** Deals by id, or by name (case-insensitive substring), at most `limit`; only of `ownerIds` when given. */
  findDeals(db: Kysely<Database>, idOrName: string, asOf: string, limit: number, ownerIds?: readonly string[]): Promise<DealCard[]>
  /** Open deals of some owners (all when undefined), least healthy first, at most `limit`. */
  openDealsByHealth(db: Kysely<Database>, ownerIds: readonly string[] | undefined, asOf: string, limit: number): Promise<DealCard[]>
  status(db: Kysely<Database>): Promise<PulseStatus>
  /** Runs one CRM sync and returns a one-sentence summary; throws AppError when it cannot. */
  sync(): Promise<string>
}

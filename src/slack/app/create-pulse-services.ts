import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { formatDeals } from '../../analytics/format-figures.js'
import type { DriversReport, FunnelReport, LossesReport, StalledReport, WinrateReport } from '../../analytics/report-types.js'
import { renderReportChart } from '../../charts/render-report-chart.js'
import { type Config, todayOf } from '../../config.js'
import { findCurrentModel } from '../../db/find-current-model.js'
import { findDealScores, findOpenDealsByHealth } from '../../db/find-slack-deals.js'
import type { Store } from '../../db/open-store.js'
import { refreshAnalyticsRollup } from '../../db/refresh-analytics-rollup.js'
import { crmName } from '../../domain/crm-name.js'
import { AppError } from '../../errors.js'
import { holdSyncLock } from '../../ingest/hold-sync-lock.js'
import { createConfiguredSource, lostAtClosedStageNote, refreshAfterSync, type SyncSummary, syncCrm } from '../../ingest/sync-crm.js'
import type { Logger } from '../../log/create-logger.js'
import { loadDriversReport } from '../../services/load-drivers-report.js'
import { loadFunnelReport } from '../../services/load-funnel-report.js'
import { loadLossesReport } from '../../services/load-losses-report.js'
import { loadStalledReport } from '../../services/load-stalled-report.js'
import { loadWinrateReport } from '../../services/load-winrate-report.js'
import { scoreDealsAsOf } from '../../services/score-deals-as-of.js'
import { scoreOpenDealsIfTrained } from '../../services/score-open-deals.js'
import { createChartMemo } from './create-chart-memo.js'
import { createConcurrencyLimit } from './create-concurrency-limit.js'
import { dealCardOf, dealHealthOf, findDealCards } from './find-deal-cards.js'
import { loadPulseStatus } from './load-pulse-status.js'
import type { ChartKind, DealHealth, PulseServices } from './pulse-services.js'
import type { AnswerWorkers } from './start-answer-workers.js'

type AnyReport = WinrateReport | LossesReport | FunnelReport | DriversReport | StalledReport

/**
 * Where `/pulse sync` does its heavy steps. `pulse serve` runs them on a worker thread, so that
 * other requests are still acknowledged meanwhile; by default they run on this thread.
 */
export interface SyncFollowUps {
  /** Rebuilds the report summaries; whether it did. */
  refreshRollup(): Promise<boolean>
  /** Scores the open deals as of `asOf`; how many, or null when no model has been trained. */
  scoreOpenDeals(asOf: string, idleDays: number): Promise<number | null>
}

/** Charts drawn at once by default: one per answer worker thread of `pulse serve`. */
export const CHARTS_DRAWN_AT_ONCE = 2

/** What someone whose chart found {@link Config.chartQueueMax} charts already waiting is told. */
export const CHARTS_BUSY = 'Sales Pulse is drawing a great many charts for other people right now, so please try again in a minute.'

/**
 * The real {@link PulseServices}: analytics loaders, the chart renderer, model scores from the
 * store, and the configured CRM sync (followed by scoring when a model exists). With `answers`
 * (`pulse serve`: see `startAnswerWorkers`) the reports, charts, deal searches and status are
 * computed by those workers over their own connections to the same store (the `db` they are asked
 * with is not used); without, on the calling thread. Charts are kept by what they show
 * (`createChartMemo`), and at most `chartsAtOnce` different ones are drawn at a time; a chart
 * asked for while `config.chartQueueMax` others wait is refused at once (AppError `busy`, {@link CHARTS_BUSY}).
 */
export function createPulseServices(deps: {
  store: Store
  config: Config
  logger: Logger
  followUps?: SyncFollowUps
  answers?: Pick<AnswerWorkers, 'run'>
  /** Charts drawn at once, at most (default {@link CHARTS_DRAWN_AT_ONCE}); the others wait their turn. */
  chartsAtOnce?: number
}): PulseServices {
  const followUps: SyncFollowUps = deps.followUps ?? {
    refreshRollup: () => refreshAnalyticsRollup(deps.store),
    scoreOpenDeals: async (asOf, idleDays) => (await scoreOpenDealsIfTrained(deps.store, { asOf, idleDays }))?.deals.length ?? null,
  }
  const currentModelId = async (db: Store['db']) => (await findCurrentModel(db))?.model_id ?? null
  const { answers } = deps
  // A burst of different reports (many people at once, a Home refresh) draws at most this many
  // charts at a time: each holds its scene, SVG and raster (megabytes) while it is drawn. The
  // others wait, up to PULSE_CHART_QUEUE_MAX: a flood beyond is told to come back, not queued without end.
  const queueMax = deps.config.chartQueueMax
  const drawing = createConcurrencyLimit(
    deps.chartsAtOnce ?? CHARTS_DRAWN_AT_ONCE,
    queueMax > 0 ? { maxWaiting: queueMax, whenFull: () => new AppError('busy', CHARTS_BUSY) } : undefined,
  )
  const charts = createChartMemo((kind, report) =>
    drawing(async () => {
      // The kind and the report always travel together (see each subcommand).
      if (answers) return answers.run({ kind: 'chart', chart: kind as ChartKind, report: report as AnyReport })
      const chart = await renderReportChart(kind as ChartKind, report as never)
      return { png: chart.png, title: chart.title, altText: chart.altText }
    }),
  )
  return {
    winrate: answers ? (_db, query) => answers.run({ kind: 'winrate', query }) : loadWinrateReport,
    losses: answers ? (_db, query) => answers.run({ kind: 'losses', query }) : loadLossesReport,
    funnel: answers ? (_db, query) => answers.run({ kind: 'funnel', query }) : loadFunnelReport,
    drivers: answers ? (_db, query) => answers.run({ kind: 'drivers', query }) : loadDriversReport,
    stalled: answers ? (_db, query) => answers.run({ kind: 'stalled', query }) : loadStalledReport,
    renderChart: (kind: ChartKind, report: AnyReport) => charts(kind, report),
    async dealHealth(db, dealIds, asOf) {
      const modelId = await currentModelId(db)
      const out = new Map<string, DealHealth>()
      if (modelId === null || dealIds.length === 0) return out
      const rescore: string[] = []
      for (const [id, row] of await findDealScores(db, modelId, dealIds)) {
        // Scored for another day (the last sync or `pulse score` before it), or before a CSV import
        // rewrote the deal (an import does not score): its days idle and in stage, or its activity,
        // would contradict those the message states, so the deal is scored again for `asOf`.
        if (row.as_of !== asOf || (row.imported_at !== null && row.imported_at > row.scored_at)) rescore.push(id)
        const h = dealHealthOf({ deal_id: id, ...row })
        if (h) out.set(id, h)
      }
      for (const s of await scoreDealsAsOf(db, rescore, { asOf, idleDays: deps.config.idleDays })) {
        const h = dealHealthOf({
          deal_id: s.dealId,
          health_score: s.healthScore,
          win_probability: s.winProbability,
          basis: s.basis,
          reasons: JSON.stringify(s.reasons),
        })
        if (h) out.set(s.dealId, h)
      }
      return out
    },
    findDeals: answers
      ? (_db, idOrName, asOf, limit, ownerIds) =>
          answers.run({ kind: 'deals', idOrName, asOf, limit, ...(ownerIds ? { ownerIds: [...ownerIds] } : {}) })
      : findDealCards,
    async openDealsByHealth(db, ownerIds, asOf, limit) {
      const rows = await findOpenDealsByHealth(db, ownerIds, await currentModelId(db), limit)
      return rows.map((r) => dealCardOf(r, asOf))
    },
    status: answers ? () => answers.run({ kind: 'status' }) : loadPulseStatus,
    async sync() {
      const { store, config, logger } = deps
      const source = createConfiguredSource(config, undefined, { logger })
      // The scheduled sync and `pulse sync` take the same lock: one sync at a time per database.
      // Its short lease is renewed while the sync runs: a process that dies mid-sync frees it within minutes.
      const hold = await holdSyncLock(store.db, `slack:${hostname()}:${process.pid}#${randomUUID()}`)
      if (!hold) {
        throw new AppError(
          'not_allowed',
          'A CRM sync is already running (the scheduled one or a `pulse sync`). Try again when it has finished.',
        )
      }
      let summary: SyncSummary
      try {
        summary = await syncCrm(store, source, { startedBy: 'slack', logger })
        await refreshAfterSync(store, summary, followUps.refreshRollup)
      } finally {
        await hold.release()
      }
      const scoredCount = await followUps.scoreOpenDeals(todayOf(config), config.idleDays)
      const scored = scoredCount === null ? '' : ` and scored ${formatDeals(scoredCount, 'open')}`
      // Lost deals whose stage lost at the CRM did not give are said, as `pulse sync` says them.
      const lostAt = summary.lostAtClosedStage ? ` ${lostAtClosedStageNote(summary.lostAtClosedStage)}` : ''
      return `Synced ${formatDeals(summary.deals)} from ${crmName(summary.source)} (${summary.mode}, ${summary.seconds.toFixed(1)} s)${scored}.${lostAt}`
    },
  }
}

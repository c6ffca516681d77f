import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { loadDriversReport } from '../../analytics/load-drivers-report.js'
import { loadFunnelReport } from '../../analytics/load-funnel-report.js'
import { loadLossesReport } from '../../analytics/load-losses-report.js'
import { loadStalledReport } from '../../analytics/load-stalled-report.js'
import { loadWinrateReport } from '../../analytics/load-winrate-report.js'
import type { DriversReport, FunnelReport, LossesReport, StalledReport, WinrateReport } from '../../analytics/report-types.js'
import { renderReportChart } from '../../charts/render-report-chart.js'
import type { Config } from '../../config.js'
import { acquireJobLock, releaseJobLock, renewJobLock } from '../../db/acquire-job-lock.js'
import { findCurrentModel } from '../../db/find-current-model.js'
import {
  findDealScores,
  findDealsByIdOrName,
  findOpenDealsByHealth,
  findStoreStatus,
  type SlackDealRow,
} from '../../db/find-slack-deals.js'
import type { Store } from '../../db/open-store.js'
import { refreshAnalyticsRollup } from '../../db/refresh-analytics-rollup.js'
import { todayIn } from '../../domain/dates.js'
import { daysIdle, lastActivityOf } from '../../domain/deal-derived.js'
import { AppError } from '../../errors.js'
import { createConfiguredSource, refreshAfterSync, type SyncSummary, syncCrm } from '../../ingest/sync-crm.js'
import type { Logger } from '../../log/create-logger.js'
import { scoreDealsAsOf } from '../../model/score-deals-as-of.js'
import { scoreOpenDealsIfTrained } from '../../model/score-open-deals.js'
import { createChartMemo } from './create-chart-memo.js'
import type { ChartKind, DealCard, DealHealth, PulseServices } from './pulse-services.js'
import type { AnswerWorkers } from './start-answer-workers.js'

type AnyReport = WinrateReport | LossesReport | FunnelReport | DriversReport | StalledReport

function parseReasons(json: string | null): string[] {
  if (!json) return []
  try {
    const v = JSON.parse(json)
    return Array.isArray(v) ? v.map(String) : []
  } catch {
    return []
  }
}

function healthOf(row: {
  deal_id: string
  health_score: number | null
  win_probability: number | null
  basis: string | null
  reasons: string | null
}): DealHealth | null {
  if (row.health_score === null) return null
  return {
    dealId: row.deal_id,
    healthScore: Math.round(row.health_score),
    // Segment base rates are not predictions (issue 4): they are not shown as a probability.
    winProbability: row.basis === 'model' ? row.win_probability : null,
    reasons: parseReasons(row.reasons),
  }
}

function cardOf(row: SlackDealRow, asOf: string): DealCard {
  return {
    dealId: row.deal_id,
    dealName: row.deal_name,
    ownerId: row.owner_id,
    ownerEmail: row.owner_email,
    amount: row.amount,
    currency: row.currency,
    stage: row.stage,
    outcome: row.outcome,
    daysIdle: daysIdle(row, asOf),
    lastActivity: row.outcome === 'open' ? lastActivityOf(row) : null,
    crmUrl: row.crm_url,
    health: healthOf(row),
  }
}

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

/**
 * The real {@link PulseServices}: analytics loaders, the chart renderer, model scores from the
 * store, and the configured CRM sync (followed by scoring when a model exists). With `answers`
 * (`pulse serve`: see `startAnswerWorkers`) the reports and charts are computed by those workers
 * over their own connections to the same store (the `db` a report is asked with is not used);
 * without, on the calling thread.
 */
export function createPulseServices(deps: {
  store: Store
  config: Config
  logger: Logger
  followUps?: SyncFollowUps
  answers?: Pick<AnswerWorkers, 'run'>
}): PulseServices {
  const followUps: SyncFollowUps = deps.followUps ?? {
    refreshRollup: () => refreshAnalyticsRollup(deps.store),
    scoreOpenDeals: async (asOf, idleDays) => (await scoreOpenDealsIfTrained(deps.store, { asOf, idleDays }))?.deals.length ?? null,
  }
  const currentModelId = async (db: Store['db']) => (await findCurrentModel(db))?.model_id ?? null
  const { answers } = deps
  const charts = createChartMemo(async (kind, report) => {
    // The kind and the report always travel together (see each subcommand).
    if (answers) return answers.run({ kind: 'chart', chart: kind as ChartKind, report: report as AnyReport })
    const chart = await renderReportChart(kind as ChartKind, report as never)
    return { png: chart.png, title: chart.title, altText: chart.altText }
  })
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
      const otherDay: string[] = []
      for (const [id, row] of await findDealScores(db, modelId, dealIds)) {
        // Scored for another day (the last sync or `pulse score` before it): its days idle and in
        // stage would contradict those the message states, so the deal is scored again for `asOf`.
        if (row.as_of !== asOf) otherDay.push(id)
        const h = healthOf({ deal_id: id, ...row })
        if (h) out.set(id, h)
      }
      for (const s of await scoreDealsAsOf(db, otherDay, { asOf, idleDays: deps.config.idleDays })) {
        const h = healthOf({
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
    async findDeals(db, idOrName, asOf, limit, ownerIds) {
      const rows = await findDealsByIdOrName(db, idOrName, await currentModelId(db), limit, ownerIds)
      return rows.map((r) => cardOf(r, asOf))
    },
    async openDealsByHealth(db, ownerIds, asOf, limit) {
      const rows = await findOpenDealsByHealth(db, ownerIds, await currentModelId(db), limit)
      return rows.map((r) => cardOf(r, asOf))
    },
    async status(db) {
      const s = await findStoreStatus(db)
      const model = await findCurrentModel(db)
      const metrics = model ? (JSON.parse(model.metrics) as { auc?: number; aucLow?: number; aucHigh?: number }) : undefined
      const loads = [
        s.lastImport && {
          source: `CSV import${s.lastImport.file ? ` (${s.lastImport.file.split('/').pop()})` : ''}`,
          at: s.lastImport.at,
          status: s.lastImport.status,
          rows: s.lastImport.rows,
        },
        s.lastSync && { source: `${s.lastSync.source} sync`, at: s.lastSync.at, status: s.lastSync.status, rows: s.lastSync.rows },
      ].filter((x): x is { source: string; at: string; status: string; rows: number } => Boolean(x))
      loads.sort((a, b) => (a.at < b.at ? 1 : -1))
      return {
        deals: s.deals,
        openDeals: s.openDeals,
        lastLoad: loads[0] ?? null,
        model: model
          ? {
              modelId: String(model.model_id),
              trainedAt: model.trained_at,
              auc: metrics?.auc ?? null,
              aucLow: metrics?.aucLow ?? null,
              aucHigh: metrics?.aucHigh ?? null,
              informative: model.informative === 1,
            }
          : null,
      }
    },
    async sync() {
      const { store, config, logger } = deps
      const source = createConfiguredSource(config, undefined, { logger })
      // The scheduled sync and `pulse sync` take the same lock: one sync at a time per database.
      const holder = `slack:${hostname()}:${process.pid}#${randomUUID()}`
      // A short lease renewed while the sync runs: a process that dies mid-sync frees it within minutes.
      const ttl = 5 * 60_000
      if (!(await acquireJobLock(store.db, 'sync', holder, ttl, new Date()))) {
        throw new AppError(
          'not_allowed',
          'A CRM sync is already running (the scheduled one or a `pulse sync`). Try again when it has finished.',
        )
      }
      const renew = setInterval(() => {
        renewJobLock(store.db, 'sync', holder, ttl, new Date()).catch(() => undefined)
      }, ttl / 3)
      renew.unref()
      let summary: SyncSummary
      try {
        summary = await syncCrm(store, source, { startedBy: 'slack', logger })
        await refreshAfterSync(store, summary, followUps.refreshRollup)
      } finally {
        clearInterval(renew)
        await releaseJobLock(store.db, 'sync', holder).catch(() => undefined)
      }
      const scoredCount = await followUps.scoreOpenDeals(config.asOf ?? todayIn(config.timezone), config.idleDays)
      const scored = scoredCount === null ? '' : ` and scored ${scoredCount} open deals`
      return `Synced ${summary.deals} deals from ${summary.source} (${summary.mode}, ${summary.seconds.toFixed(1)} s)${scored}.`
    },
  }
}

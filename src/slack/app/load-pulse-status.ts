import type { Kysely } from 'kysely'
import { findLastJobRuns } from '../../db/begin-job-run.js'
import { findCurrentModel } from '../../db/find-current-model.js'
import { findStoreStatus } from '../../db/find-slack-deals.js'
import { shownJobRun } from '../../db/find-sync-status.js'
import type { Database } from '../../db/schema.js'
import { crmName } from '../../domain/crm-name.js'
import type { PulseStatus } from './pulse-services.js'

/**
 * What `/pulse status` reports: deals and open deals counted (0.1 s on a 1M-deal store), the
 * latest CSV import or CRM sync, the current model with its AUC, and each job's last run that
 * was not a skipped tick with its failure not yet followed by a success.
 */
export async function loadPulseStatus(db: Kysely<Database>): Promise<PulseStatus> {
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
    s.lastSync && { source: `${crmName(s.lastSync.source)} sync`, at: s.lastSync.at, status: s.lastSync.status, rows: s.lastSync.rows },
  ].filter((x): x is { source: string; at: string; status: string; rows: number } => Boolean(x))
  loads.sort((a, b) => (a.at < b.at ? 1 : -1))
  const jobs = (await findLastJobRuns(db)).map((j) => {
    const last = shownJobRun(j.lastRun)
    const failure = j.lastFailure && j.lastFailure.run_id !== j.lastRun.run_id ? j.lastFailure : null
    return {
      job: j.job,
      lastRun: { status: last.status, at: last.started_at, error: last.error },
      lastFailure: failure && { at: failure.started_at, error: failure.error },
    }
  })
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
    jobs,
  }
}

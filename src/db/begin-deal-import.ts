import { amountBand } from '../domain/amount-band.js'
import { monthOf } from '../domain/dates.js'
import type { NormalizedDeal, StageStay } from '../domain/normalized-deal.js'
import type { Store } from './open-store.js'

/** Counts of one import, as stored in `import_runs`. */
export interface ImportCounts {
  read: number
  inserted: number
  updated: number
  rejected: number
}

/**
 * One bulk import held in a single transaction: nothing it writes is visible, or kept, until
 * {@link DealImport.commit}. A crash or kill before that leaves the store as it was.
 */
export interface DealImport {
  readonly runId: number
  /** Inserts or updates a deal (by `dealId`) and keeps its stage history in step. */
  upsert(deal: NormalizedDeal, history: StageStay[] | null): 'inserted' | 'updated'
  /** Quarantines an input row with its line number and reason. */
  reject(line: number, reason: string, raw: string): void
  /** Records the run's counts and commits everything. */
  commit(counts: ImportCounts): void
  /** Discards everything this import wrote. */
  rollback(): void
}

const DEAL_COLUMNS = [
  'deal_id',
  'source',
  'deal_name',
  'owner_id',
  'owner_email',
  'created_date',
  'created_month',
  'closed_date',
  'closed_month',
  'outcome',
  'stage',
  'stage_entered_date',
  'lost_at_stage',
  'amount',
  'amount_band',
  'currency',
  'industry',
  'region',
  'product_type',
  'lead_source',
  'sales_cycle_days',
  'last_activity_date',
  'updated_date',
  'archived',
  'crm_url',
  'extra',
  'import_run_id',
] as const

/**
 * Starts a bulk import on a SQLite store (one `BEGIN IMMEDIATE` transaction) and records an
 * `import_runs` row for it. Statements are prepared once; each row costs one or two of them.
 */
export function beginDealImport(
  store: Store,
  run: { source: string; file: string | null; startedBy: string | null; now: Date },
): DealImport {
  const sqlite = store.sqlite
  if (!sqlite) throw new Error('beginDealImport needs the SQLite store')
  const nowIso = run.now.toISOString()
  const today = nowIso.slice(0, 10)
  sqlite.exec('BEGIN IMMEDIATE')
  let open = true
  try {
    const runId = Number(
      sqlite
        .prepare(`INSERT INTO import_runs (source, file, started_by, started_at, status) VALUES (?, ?, ?, ?, 'running')`)
        .run(run.source, run.file, run.startedBy, nowIso).lastInsertRowid,
    )
    const emptyAtStart = sqlite.prepare('SELECT 1 FROM deals LIMIT 1').get() === undefined
    const upsertDeal = sqlite.prepare(
      `INSERT INTO deals (${DEAL_COLUMNS.join(', ')}) VALUES (${DEAL_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (deal_id) DO UPDATE SET ${DEAL_COLUMNS.slice(1)
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    )
    const findDeal = sqlite.prepare('SELECT stage, stage_entered_date, created_date FROM deals WHERE deal_id = ?')
    const deleteHistory = sqlite.prepare('DELETE FROM stage_history WHERE deal_id = ?')
    const insertStay = sqlite.prepare(
      'INSERT INTO stage_history (deal_id, stage, entered_at, left_at) VALUES (?, ?, ?, ?) ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at',
    )
    const closeOpenStay = sqlite.prepare('UPDATE stage_history SET left_at = ? WHERE deal_id = ? AND left_at IS NULL')
    const insertReject = sqlite.prepare('INSERT INTO rejected_rows (run_id, line, reason, raw) VALUES (?, ?, ?, ?)')
    const owners = new Map<string, string | null>()

    const row = (d: NormalizedDeal) => [
      d.dealId,
      d.source,
      d.name,
      d.ownerId,
      d.ownerEmail,
      d.createdDate,
      monthOf(d.createdDate),
      d.closedDate,
      d.closedDate === null ? null : monthOf(d.closedDate),
      d.outcome,
      d.stage,
      d.stageEnteredDate,
      d.outcome === 'lost' ? d.stage : null,
      d.amount,
      amountBand(d.amount),
      d.currency,
      d.industry,
      d.region,
      d.productType,
      d.leadSource,
      d.salesCycleDays,
      d.lastActivityDate,
      d.updatedDate,
      d.archived ? 1 : 0,
      d.crmUrl,
      d.extra === null ? null : JSON.stringify(d.extra),
      runId,
    ]

    return {
      runId,
      upsert(deal, history) {
        if (!owners.has(deal.ownerId) || deal.ownerEmail !== null) owners.set(deal.ownerId, deal.ownerEmail)
        const before = emptyAtStart
          ? undefined
          : (findDeal.get(deal.dealId) as { stage: string; stage_entered_date: string | null; created_date: string } | undefined)
        upsertDeal.run(row(deal))
        if (history !== null) {
          if (before) deleteHistory.run(deal.dealId)
          for (const s of history) insertStay.run(s.dealId, s.stage, s.enteredAt, s.leftAt)
        } else if (before && before.stage !== deal.stage) {
          // A re-import that shows a new stage is a stage change: close the old stay, open a new one.
          const enteredNew = deal.stageEnteredDate ?? deal.updatedDate ?? today
          if (closeOpenStay.run(enteredNew, deal.dealId).changes === 0) {
            insertStay.run(deal.dealId, before.stage, before.stage_entered_date ?? before.created_date, enteredNew)
          }
          insertStay.run(deal.dealId, deal.stage, enteredNew, null)
        }
        return before ? 'updated' : 'inserted'
      },
      reject(line, reason, raw) {
        insertReject.run(runId, line, reason, raw)
      },
      commit(counts) {
        const upsertOwner = sqlite.prepare(
          `INSERT INTO owners (owner_id, email, source, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (owner_id) DO UPDATE SET email = coalesce(excluded.email, owners.email), updated_at = excluded.updated_at`,
        )
        for (const [id, email] of owners) upsertOwner.run(id, email, run.source, nowIso)
        sqlite
          .prepare(
            `UPDATE import_runs SET finished_at = ?, status = 'done', rows_read = ?, rows_inserted = ?, rows_updated = ?, rows_rejected = ? WHERE run_id = ?`,
          )
          .run(new Date().toISOString(), counts.read, counts.inserted, counts.updated, counts.rejected, runId)
        sqlite
          .prepare(`INSERT INTO meta (key, value) VALUES ('data_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
          .run(`${runId}:${nowIso}`)
        sqlite.exec('COMMIT')
        open = false
      },
      rollback() {
        if (open) sqlite.exec('ROLLBACK')
        open = false
      },
    }
  } catch (error) {
    if (open) sqlite.exec('ROLLBACK')
    throw error
  }
}

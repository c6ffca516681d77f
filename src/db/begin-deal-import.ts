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
 * Deals ready for {@link DealImport.upsertBatch}, built by {@link dealBatchOf}: plain strings, so
 * a worker thread can build a batch and post it cheaply to the thread that writes, and SQLite
 * reads the values itself (one statement per batch instead of one per row).
 */
export interface DealBatch {
  size: number
  /** One JSON array per deal, fields in the order of `BATCH_FIELDS`. */
  dealsJson: string
  /** JSON array of the ids of the deals that carried a stage history (which replaces the stored one). */
  historyIdsJson: string
  /** Every stay of the batch as JSON `[[deal_id, stage, entered_at, left_at], ...]`. */
  historyJson: string
  /** Owner id -> email (null when unknown), the last known email of each owner in the batch. */
  owners: Array<[string, string | null]>
}

/**
 * One bulk import held in a single transaction: nothing it writes is visible, or kept, until
 * {@link DealImport.commit}. A crash or kill before that leaves the store as it was.
 */
export interface DealImport {
  readonly runId: number
  /** Inserts or updates a deal (by `dealId`) and keeps its stage history in step. */
  upsert(deal: NormalizedDeal, history: StageStay[] | null): 'inserted' | 'updated'
  /**
   * Inserts or updates a batch of deals (ids unique within the batch): the same effect as
   * {@link DealImport.upsert} on each, with far fewer statements. Returns how many were new.
   */
  upsertBatch(batch: DealBatch): { inserted: number; updated: number }
  /** Quarantines an input row with its line number and reason. */
  reject(line: number, reason: string, raw: string): void
  /** Records the run's counts, rebuilds any index set aside, and commits everything. */
  commit(counts: ImportCounts): void
  /** Discards everything this import wrote. */
  rollback(): void
}

/** Options of {@link beginDealImport}. */
export interface DealImportRun {
  source: string
  file: string | null
  startedBy: string | null
  now: Date
  /**
   * Rough number of deals about to be written. A large import (>= 50,000 and at least half the
   * deals already stored) sets the secondary indexes of `deals` and `stage_history` aside and
   * rebuilds them before commit, inside the same transaction: one sort instead of a million
   * scattered index updates.
   */
  expectedRows?: number
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

const RUN_ID_AT = DEAL_COLUMNS.indexOf('import_run_id')
const BULK_MIN_ROWS = 50_000

/**
 * A deal as the values of one `deals` row, in column order (derived columns computed here:
 * months, amount band, stage lost at). The import run id is left null.
 */
export function dealRowOf(d: NormalizedDeal): unknown[] {
  return [
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
    null,
  ]
}

// The fields of a deal in a batch; months are derived in SQL (the first 7 characters of the date, as monthOf).
const BATCH_FIELDS = [
  'deal_id',
  'source',
  'deal_name',
  'owner_id',
  'owner_email',
  'created_date',
  'closed_date',
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
] as const

const field = (name: (typeof BATCH_FIELDS)[number]) => `value ->> ${BATCH_FIELDS.indexOf(name)}`

function batchFieldsOf(d: NormalizedDeal): unknown[] {
  return [
    d.dealId,
    d.source,
    d.name,
    d.ownerId,
    d.ownerEmail,
    d.createdDate,
    d.closedDate,
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
  ]
}

/**
 * Packs parsed deals (with the stage history each carried, or null) into a {@link DealBatch}.
 * Pure: safe to call in a worker thread.
 */
export function dealBatchOf(items: ReadonlyArray<{ deal: NormalizedDeal; history: StageStay[] | null }>): DealBatch {
  const rows: unknown[][] = []
  const historyIds: string[] = []
  const stays: Array<[string, string, string, string | null]> = []
  const owners = new Map<string, string | null>()
  for (const { deal, history } of items) {
    rows.push(batchFieldsOf(deal))
    if (deal.ownerEmail !== null || !owners.has(deal.ownerId)) owners.set(deal.ownerId, deal.ownerEmail)
    if (history !== null) {
      historyIds.push(deal.dealId)
      for (const s of history) stays.push([s.dealId, s.stage, s.enteredAt, s.leftAt])
    }
  }
  return {
    size: items.length,
    dealsJson: JSON.stringify(rows),
    historyIdsJson: JSON.stringify(historyIds),
    historyJson: JSON.stringify(stays),
    owners: [...owners],
  }
}

/**
 * Starts a bulk import on a SQLite store (one `BEGIN IMMEDIATE` transaction) and records an
 * `import_runs` row for it. Statements are prepared once; {@link DealImport.upsert} costs one or
 * two per deal, {@link DealImport.upsertBatch} two to four per batch (plus one or two per deal
 * whose stage changed without a history).
 */
export function beginDealImport(store: Store, run: DealImportRun): DealImport {
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
    const setAside = setIndexesAside(sqlite, run.expectedRows ?? 0, emptyAtStart)
    const upsertDeal = sqlite.prepare(
      `INSERT INTO deals (${DEAL_COLUMNS.join(', ')}) VALUES (${DEAL_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (deal_id) DO UPDATE SET ${DEAL_COLUMNS.slice(1)
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    )
    const findDeal = sqlite.prepare('SELECT stage, stage_entered_date, created_date FROM deals WHERE deal_id = ?')
    const dealValues = DEAL_COLUMNS.map((c) => {
      if (c === 'created_month') return `substr(${field('created_date')}, 1, 7)`
      if (c === 'closed_month') return `substr(${field('closed_date')}, 1, 7)`
      if (c === 'import_run_id') return String(runId)
      return field(c)
    })
    const upsertDeals = sqlite.prepare(
      `INSERT INTO deals (${DEAL_COLUMNS.join(', ')}) SELECT ${dealValues.join(', ')} FROM jsonb_each(jsonb(?)) WHERE true
       ON CONFLICT (deal_id) DO UPDATE SET ${DEAL_COLUMNS.slice(1)
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
    )
    const findBatchDeals = sqlite.prepare(
      `SELECT d.deal_id, d.stage, d.stage_entered_date, d.created_date, ${field('stage')} AS new_stage,
         ${field('stage_entered_date')} AS new_entered, ${field('updated_date')} AS new_updated
       FROM jsonb_each(jsonb(?)) JOIN deals d ON d.deal_id = ${field('deal_id')}`,
    )
    const deleteHistory = sqlite.prepare('DELETE FROM stage_history WHERE deal_id = ?')
    const deleteHistories = sqlite.prepare('DELETE FROM stage_history WHERE deal_id IN (SELECT value FROM json_each(?))')
    const insertStay = sqlite.prepare(
      'INSERT INTO stage_history (deal_id, stage, entered_at, left_at) VALUES (?, ?, ?, ?) ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at',
    )
    const insertStays = sqlite.prepare(
      `INSERT INTO stage_history (deal_id, stage, entered_at, left_at)
       SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM jsonb_each(jsonb(?)) WHERE true
       ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at`,
    )
    const closeOpenStay = sqlite.prepare('UPDATE stage_history SET left_at = ? WHERE deal_id = ? AND left_at IS NULL')
    const insertReject = sqlite.prepare('INSERT INTO rejected_rows (run_id, line, reason, raw) VALUES (?, ?, ?, ?)')
    const owners = new Map<string, string | null>()
    const noteOwner = (id: string, email: string | null) => {
      if (email !== null || !owners.has(id)) owners.set(id, email)
    }
    type Before = { stage: string; stage_entered_date: string | null; created_date: string }

    // A re-import that shows a new stage (and carries no history) is a stage change: close the
    // old stay, open a new one.
    const recordStageChange = (dealId: string, before: Before, stage: string, stageEntered: string | null, updated: string | null) => {
      const enteredNew = stageEntered ?? updated ?? today
      if (closeOpenStay.run(enteredNew, dealId).changes === 0) {
        insertStay.run(dealId, before.stage, before.stage_entered_date ?? before.created_date, enteredNew)
      }
      insertStay.run(dealId, stage, enteredNew, null)
    }

    return {
      runId,
      upsert(deal, history) {
        noteOwner(deal.ownerId, deal.ownerEmail)
        const before = emptyAtStart ? undefined : (findDeal.get(deal.dealId) as Before | undefined)
        const row = dealRowOf(deal)
        row[RUN_ID_AT] = runId
        upsertDeal.run(row)
        if (history !== null) {
          if (before) deleteHistory.run(deal.dealId)
          for (const s of history) insertStay.run(s.dealId, s.stage, s.enteredAt, s.leftAt)
        } else if (before && before.stage !== deal.stage) {
          recordStageChange(deal.dealId, before, deal.stage, deal.stageEnteredDate, deal.updatedDate)
        }
        return before ? 'updated' : 'inserted'
      },
      upsertBatch(batch) {
        for (const [id, email] of batch.owners) noteOwner(id, email)
        if (batch.size === 0) return { inserted: 0, updated: 0 }
        type Found = Before & { deal_id: string; new_stage: string; new_entered: string | null; new_updated: string | null }
        let found: Found[] = []
        if (!emptyAtStart) {
          found = findBatchDeals.all(batch.dealsJson) as Found[]
          if (batch.historyIdsJson !== '[]') deleteHistories.run(batch.historyIdsJson)
        }
        upsertDeals.run(batch.dealsJson)
        if (batch.historyJson !== '[]') insertStays.run(batch.historyJson)
        if (found.length > 0) {
          const withHistory = new Set(JSON.parse(batch.historyIdsJson) as string[])
          for (const f of found) {
            if (!withHistory.has(f.deal_id) && f.stage !== f.new_stage) {
              recordStageChange(f.deal_id, f, f.new_stage, f.new_entered, f.new_updated)
            }
          }
        }
        return { inserted: batch.size - found.length, updated: found.length }
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
        for (const sql of setAside) sqlite.exec(sql)
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

/**
 * For a large import, drops the secondary indexes of `deals` and `stage_history` (inside the
 * open transaction) and returns the statements that re-create them, verbatim.
 */
function setIndexesAside(sqlite: NonNullable<Store['sqlite']>, expectedRows: number, empty: boolean): string[] {
  if (expectedRows < BULK_MIN_ROWS) return []
  if (!empty) {
    const stored = (sqlite.prepare('SELECT max(rowid) AS n FROM deals').get() as { n: number | null }).n ?? 0
    if (expectedRows < stored / 2) return []
  }
  const indexes = sqlite
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('deals', 'stage_history') AND sql IS NOT NULL ORDER BY name`,
    )
    .all() as Array<{ name: string; sql: string }>
  for (const index of indexes) sqlite.exec(`DROP INDEX "${index.name.replace(/"/g, '""')}"`)
  return indexes.map((i) => i.sql)
}

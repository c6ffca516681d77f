import { storedAmountBand } from '../domain/amount-band.js'
import type { BuiltRollup, RollupDealRecord } from '../domain/create-rollup-builder.js'
import { type DisplacedOwner, displacedCrmOwners } from '../domain/crm-owner-key.js'
import { monthOf } from '../domain/dates.js'
import type { NormalizedDeal, StageStay } from '../domain/normalized-deal.js'
import { noteOwnerEmail } from '../domain/note-owner-email.js'
import { beginPostgresDealImport } from './begin-postgres-deal-import.js'
import type { DialectName } from './dialect.js'
import type { Store } from './open-store.js'
import { writeAnalyticsRollup } from './refresh-analytics-rollup.js'

/**
 * Counts of one import, as stored in `import_runs`: each row read is inserted, updated, kept as
 * stored (see {@link CommittedImport.staysKeptFromStore}: not stored as a column, it is the rest)
 * or rejected.
 */
export interface ImportCounts {
  read: number
  inserted: number
  updated: number
  rejected: number
}

/**
 * Deals ready for {@link DealImport.upsertBatch}, built by {@link dealBatchOf} in the form the
 * store's dialect writes fastest: plain strings, so a worker thread can build a batch and post it
 * cheaply to the thread that writes.
 */
export type DealBatch = JsonDealBatch | CopyDealBatch

/** SQLite's batch: SQLite reads the values itself from JSON (one statement per batch instead of one per row). */
export interface JsonDealBatch {
  format: 'json'
  size: number
  /**
   * One JSON array per deal: its fields in the order of `BATCH_FIELDS`, then the stage history it
   * carried (which replaces the stored one) as `[[stage, entered_at, left_at], ...]`, or null.
   */
  dealsJson: string
  /** Owner id -> email (null when unknown), the last known email of each owner in the batch. */
  owners: Array<[string, string | null]>
}

/** PostgreSQL's batch: rows in `COPY` text format for the import's staging table. */
export interface CopyDealBatch {
  format: 'copy'
  size: number
  /**
   * One line per deal: the `deals` columns in `DEAL_COLUMNS` order (without `import_run_id`),
   * then the deal's stage history as JSON `[[stage, entered_at, left_at], ...]` or null.
   */
  copyText: string
  /** As {@link JsonDealBatch.owners}. */
  owners: Array<[string, string | null]>
}

/** What {@link DealImport.commit} reports. */
export interface CommittedImport {
  runId: number
  /** Deals that were new to the store. */
  inserted: number
  /**
   * Deals that were already stored and took the file's row (a row equal to the stored one counts
   * too: importing the same file twice updates every deal). Not the deals kept as stored
   * ({@link CommittedImport.staysKeptFromStore}), of which the file changed nothing.
   */
  updated: number
  /** Whether the import stored the rollup it was given (the store was empty, so it describes the store). */
  rollupWritten: boolean
  /**
   * Stored deals whose row shows another stage, dated before the stored stage entry or the stored
   * history's latest date (an older export imported over a newer one): the row is older than what
   * is stored, so the deal is kept as stored (its row and its stage history, which agree), since
   * the change would close a stay before it began. Counted neither as inserted nor as updated.
   */
  staysKeptFromStore: number
  /**
   * CRM owners whose id the file gives another person (another email): moved, with their deals,
   * to `<crm>:<id>` (see `displacedCrmOwners`), so the file's owner takes the id. Usually none.
   */
  ownersMovedApart: DisplacedOwner[]
}

/**
 * The analytics rollup of the imported deals, built while they were parsed (`createRollupBuilder`
 * fed with {@link dealRollupRecordOf} and the deduplicated stays). It describes the store after
 * commit only when the store held no deals and no stage history before, so the import stores it
 * (in the same transaction) only then.
 */
export interface ImportRollup {
  built: BuiltRollup | null
  /** The open stages the builder used (the stage order as stored after the import). */
  openStages: readonly string[]
}

/**
 * One bulk import held in a single transaction: nothing it writes is visible, or kept, until
 * {@link DealImport.commit}. A crash or kill before that leaves the store as it was.
 */
export interface DealImport {
  /**
   * Inserts or updates a batch of deals (ids unique within the whole import, the batch built by
   * {@link dealBatchOf} for this store's dialect) and keeps their stage history in step: a batch
   * deal with a history replaces the stored one; a stored deal that shows a new stage without a
   * history gets the old stay closed and a new one opened, unless the row dates that change
   * before what is stored (see {@link CommittedImport.staysKeptFromStore}): then the deal is left
   * as stored. Synchronous on SQLite (returns
   * undefined). On PostgreSQL the rows stream into the transaction; when a promise is returned,
   * wait for it before handing over more batches (back-pressure). That promise never rejects:
   * a failure surfaces at {@link DealImport.commit}.
   */
  upsertBatch(batch: DealBatch): Promise<void> | undefined
  /** Quarantines an input row with its line number and reason. */
  reject(line: number, reason: string, raw: string): void
  /**
   * Upserts the owners the rows named, but for rows kept as stored, which change nothing (the last non-empty email of each wins; an owner whose
   * email changed passes it on to their deals of this source that the rows left out),
   * records the run's counts, rebuilds any index set aside, stores `rollup` when the store was
   * empty at the start (see {@link ImportRollup}), and commits everything. `rollup` may still be
   * being built (a promise): the rest of the commit's work is done first, then it is awaited.
   */
  commit(counts: { read: number; rejected: number }, rollup?: ImportRollup | Promise<ImportRollup | undefined>): Promise<CommittedImport>
  /** Discards everything this import wrote. Safe to call more than once, and after a failed commit. */
  rollback(): Promise<void>
}

/** Options of {@link beginDealImport}. */
export interface DealImportRun {
  source: string
  file: string | null
  startedBy: string | null
  now: Date
  /**
   * The day a stage change the rows give no date for is recorded on, `YYYY-MM-DD` (default:
   * `now`'s UTC date). The CSV import passes a pinned "today" (`PULSE_AS_OF`) here.
   */
  today?: string
  /**
   * Rough number of deals about to be written. A large import (>= 50,000 and at least half the
   * deals already stored) sets the secondary indexes of `deals` and `stage_history` aside and
   * rebuilds them before commit, inside the same transaction: one sort instead of a million
   * scattered index updates.
   */
  expectedRows?: number
  /**
   * Columns the rows do not carry (the file has no such column, so each row's value is null): a
   * stored deal the import updates keeps what these columns hold. A new deal gets null in them.
   */
  keepStored?: readonly KeepableDealColumn[]
  /**
   * The open stages of the order this import brings (`PULSE_STAGES`, saved after it commits):
   * a stage named here is open for the rows, even before the stored order has it (a stage
   * renamed since the last import), so a lost deal's row naming it is news (see {@link keepsStageLostAtSql}).
   */
  openStages?: readonly string[]
}

/** The columns of `deals` an import writes, in the order of {@link dealRowOf}. */
export const DEAL_COLUMNS = [
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
 * The `deals` columns an import file may leave out altogether (a CSV without `last_activity_date`,
 * say). A re-import from such a file keeps what is stored in them (see {@link DealImportRun.keepStored}).
 */
export const KEEPABLE_DEAL_COLUMNS = [
  'deal_name',
  'owner_email',
  'currency',
  'sales_cycle_days',
  'last_activity_date',
  'updated_date',
  'crm_url',
] as const

/** One of {@link KEEPABLE_DEAL_COLUMNS}. */
export type KeepableDealColumn = (typeof KEEPABLE_DEAL_COLUMNS)[number]

/**
 * The `ON CONFLICT (deal_id) DO UPDATE SET` list of a re-import: every column from the new row,
 * except the columns in `keep` (the file has none: they keep what is stored), and a row giving no
 * `stage_entered_date` for a deal still in the same stage keeps the date stored (one an earlier
 * import recorded for a stage change, see `recordStageChange`).
 * @example dealUpsertSet(['last_activity_date']) // '..., updated_date = excluded.updated_date, ...' (no last_activity_date)
 */
export function dealUpsertSet(keep: readonly KeepableDealColumn[] = [], openStages: readonly string[] = []): string {
  const keepsStageLostAt = keepsStageLostAtSql({ outcome: 'excluded.outcome', stage: 'excluded.stage' }, 'deals', openStages)
  return DEAL_COLUMNS.slice(1)
    .filter((c) => !(keep as readonly string[]).includes(c))
    .map((c) => {
      if (c === 'stage_entered_date') {
        return `${c} = coalesce(excluded.${c}, CASE WHEN excluded.stage = deals.stage OR (${keepsStageLostAt}) THEN deals.${c} END)`
      }
      if (c === 'stage' || c === 'lost_at_stage') return `${c} = CASE WHEN ${keepsStageLostAt} THEN deals.${c} ELSE excluded.${c} END`
      return `${c} = excluded.${c}`
    })
    .join(', ')
}

/**
 * SQL true when a lost deal stored (`stored`, a table alias) with the open stage it was lost at
 * (from a stage history or an earlier file) comes in a row (`row`: the SQL of its outcome and
 * stage) that names it only by a stage that is not open (`Closed Lost`, as an export without
 * `stage_history` names every lost deal): the row says nothing new about where it was lost, so
 * the stored stage stays. A reopened deal (stored open now) lost again is a new loss, as written.
 * A stage open in the stored order or in `openStages` (the order the import brings) is open.
 * @example keepsStageLostAtSql({ outcome: 'excluded.outcome', stage: 'excluded.stage' }, 'deals')
 */
export function keepsStageLostAtSql(row: { outcome: string; stage: string }, stored: string, openStages: readonly string[] = []): string {
  const alsoOpen =
    openStages.length === 0 ? '' : ` AND ${row.stage} NOT IN (${openStages.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')})`
  return `${row.outcome} = 'lost' AND ${stored}.outcome = 'lost' AND ${row.stage} <> ${stored}.stage
  AND ${stored}.lost_at_stage IN (SELECT name FROM stages WHERE is_closed = 0)
  AND ${row.stage} NOT IN (SELECT name FROM stages WHERE is_closed = 0)${alsoOpen}`
}

/** Imports of at least this many rows may set the secondary indexes aside (see {@link DealImportRun.expectedRows}). */
export const BULK_MIN_ROWS = 50_000

/** SQLite's page cache during a bulk import: 16 MB (negative: KiB), against 64 MB otherwise. */
const BULK_CACHE_SIZE = -16_384

/**
 * A deal as the values of one `deals` row, in column order (derived columns computed here:
 * months, amount band, stage lost at). The import run id is left null.
 */
export function dealRowOf(d: NormalizedDeal): unknown[] {
  const f = batchFieldsOf(d)
  // BATCH_FIELDS is DEAL_COLUMNS without the two months (after created_date and closed_date) and the run id.
  return [...f.slice(0, 6), monthOf(d.createdDate), f[6], d.closedDate === null ? null : monthOf(d.closedDate), ...f.slice(7), null]
}

// The fields of a deal in a batch: the columns without the two months (derived in SQL, the first
// 7 characters of the date, as monthOf) and the run id (bound per statement).
const BATCH_FIELDS = DEAL_COLUMNS.filter((c) => c !== 'created_month' && c !== 'closed_month' && c !== 'import_run_id')

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
    storedAmountBand(d),
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
 * A deal as the analytics rollup reads its `deals` row (the same values {@link dealRowOf} stores).
 * Pure: the importer feeds it to the rollup builder while it parses.
 */
export function dealRollupRecordOf(d: NormalizedDeal): RollupDealRecord {
  return {
    region: d.region,
    industry: d.industry,
    product_type: d.productType,
    lead_source: d.leadSource,
    owner_id: d.ownerId,
    amount_band: storedAmountBand(d),
    amount: d.amount,
    outcome: d.outcome,
    created_date: d.createdDate,
    closed_date: d.closedDate,
    stage: d.stage,
    lost_at_stage: d.outcome === 'lost' ? d.stage : null,
    stage_entered_date: d.stageEnteredDate,
    last_activity_date: d.lastActivityDate,
    updated_date: d.updatedDate,
    archived: d.archived,
  }
}

/**
 * A deal's stays as the store keeps them: one per (entered at, stage), the last one given
 * winning (as the importers' upserts leave them), in first-seen order.
 */
export function uniqueStays(history: readonly StageStay[]): StageStay[] {
  // Histories are short and rarely repeat a stay: look for a repeat before building anything.
  let repeats = false
  for (let i = 1; i < history.length && !repeats; i++) {
    const b = history[i] as StageStay
    for (let j = 0; j < i; j++) {
      const a = history[j] as StageStay
      if (a.enteredAt === b.enteredAt && a.stage === b.stage) {
        repeats = true
        break
      }
    }
  }
  if (!repeats) return history as StageStay[]
  const byKey = new Map<string, StageStay>()
  for (const s of history) byKey.set(`${s.enteredAt}\u0000${s.stage}`, s)
  return [...byKey.values()]
}

/**
 * The owners a SQLite batch (its `dealsJson`) names, as {@link JsonDealBatch.owners} gives them,
 * leaving out the rows of the deals in `except`.
 */
function ownersExcept(dealsJson: string, except: readonly string[]): Array<[string, string | null]> {
  const skip = new Set(except)
  const owners = new Map<string, string | null>()
  const id = BATCH_FIELDS.indexOf('deal_id')
  const owner = BATCH_FIELDS.indexOf('owner_id')
  const email = BATCH_FIELDS.indexOf('owner_email')
  for (const row of JSON.parse(dealsJson) as unknown[][]) {
    if (!skip.has(row[id] as string)) noteOwnerEmail(owners, row[owner] as string, row[email] as string | null)
  }
  return [...owners]
}

/**
 * Packs parsed deals (with the stage history each carried, or null) into a {@link DealBatch} for
 * a store of the given dialect. Pure: safe to call in a worker thread.
 */
export function dealBatchOf(items: ReadonlyArray<{ deal: NormalizedDeal; history: StageStay[] | null }>, dialect: DialectName): DealBatch {
  if (dialect === 'postgres') return copyBatchOf(items)
  const rows: unknown[][] = []
  const owners = new Map<string, string | null>()
  for (const { deal, history } of items) {
    const row = batchFieldsOf(deal)
    row.push(history === null ? null : history.map((s) => [s.stage, s.enteredAt, s.leftAt]))
    rows.push(row)
    noteOwnerEmail(owners, deal.ownerId, deal.ownerEmail)
  }
  return { format: 'json', size: items.length, dealsJson: JSON.stringify(rows), owners: [...owners] }
}

/**
 * Starts a bulk import and records an `import_runs` row for it, all in one transaction.
 *
 * SQLite: one `BEGIN IMMEDIATE` transaction on the raw connection; statements are prepared once,
 * {@link DealImport.upsertBatch} costs two to four per batch (plus one or two per deal whose stage
 * changed without a history). PostgreSQL: see {@link beginPostgresDealImport} (`COPY` into a
 * staging table, then set-based statements at commit).
 */
export function beginDealImport(store: Store, run: DealImportRun): DealImport {
  if (store.pgPool) return beginPostgresDealImport(store.pgPool, run)
  const sqlite = store.sqlite
  if (!sqlite) throw new Error('beginDealImport needs a SQLite or PostgreSQL store')
  const nowIso = run.now.toISOString()
  const today = run.today ?? nowIso.slice(0, 10)
  // A bulk import holds its own memory (the parsed batches, the rollup being built): a smaller
  // page cache for its run keeps the process's peak under its budget at no measured cost in time.
  const cacheSize = sqlite.pragma('cache_size', { simple: true }) as number
  const bulk = (run.expectedRows ?? 0) >= BULK_MIN_ROWS
  if (bulk) sqlite.pragma(`cache_size = ${BULK_CACHE_SIZE}`)
  const journal = bulk && leaveWalForFirstLoad(sqlite)
  const restore = () => {
    if (bulk) sqlite.pragma(`cache_size = ${cacheSize}`)
    if (journal) returnToWal(sqlite)
  }
  const end = (sql: 'COMMIT' | 'ROLLBACK') => {
    try {
      // SQLite rolls the transaction back itself on some errors (a full disk): rolling back again would hide that error.
      if (sql === 'COMMIT' || sqlite.inTransaction) sqlite.exec(sql)
    } finally {
      restore()
    }
  }
  try {
    sqlite.exec('BEGIN IMMEDIATE')
  } catch (error) {
    restore()
    throw error
  }
  let open = true
  try {
    const runId = Number(
      sqlite
        .prepare(`INSERT INTO import_runs (source, file, started_by, started_at, status) VALUES (?, ?, ?, ?, 'running')`)
        .run(run.source, run.file, run.startedBy, nowIso).lastInsertRowid,
    )
    const emptyAtStart = sqlite.prepare('SELECT 1 FROM deals LIMIT 1').get() === undefined
    const fresh = emptyAtStart && sqlite.prepare('SELECT 1 FROM stage_history LIMIT 1').get() === undefined
    const setAside = setIndexesAside(sqlite, run.expectedRows ?? 0, emptyAtStart)
    const dealValues = DEAL_COLUMNS.map((c) => {
      if (c === 'created_month') return `substr(${field('created_date')}, 1, 7)`
      if (c === 'closed_month') return `substr(${field('closed_date')}, 1, 7)`
      if (c === 'import_run_id') return String(runId)
      return field(c)
    })
    // Each batch's JSON is parsed once into SQLite's binary JSON, which every statement then reads.
    const toJsonb = sqlite.prepare('SELECT jsonb(?)').pluck()
    const stays = `value ->> ${BATCH_FIELDS.length}`
    const upsertSql = (where: string) =>
      `INSERT INTO deals (${DEAL_COLUMNS.join(', ')}) SELECT ${dealValues.join(', ')} FROM jsonb_each(?) WHERE ${where}
       ON CONFLICT (deal_id) DO UPDATE SET ${dealUpsertSet(run.keepStored, run.openStages)}`
    // Every deal of the batch, or (a batch with deals kept as stored) every deal but those.
    const upsertDeals = sqlite.prepare(upsertSql('true'))
    const upsertDealsExcept = sqlite.prepare(upsertSql(`${field('deal_id')} NOT IN (SELECT value FROM json_each(?))`))
    const findBatchDeals = sqlite.prepare(
      `SELECT d.deal_id, d.stage, d.stage_entered_date, d.created_date, ${field('stage')} AS new_stage,
         (${keepsStageLostAtSql({ outcome: field('outcome'), stage: field('stage') }, 'd', run.openStages)}) AS keeps_lost_at,
         ${field('stage_entered_date')} AS new_entered, ${field('updated_date')} AS new_updated, ${field('created_date')} AS new_created,
         ${field('closed_date')} AS new_closed, ${stays} IS NOT NULL AS has_history
       FROM jsonb_each(?) JOIN deals d ON d.deal_id = ${field('deal_id')}`,
    )
    const deleteHistories = sqlite.prepare(
      `DELETE FROM stage_history WHERE deal_id IN (SELECT ${field('deal_id')} FROM jsonb_each(?) WHERE ${stays} IS NOT NULL)`,
    )
    const insertStay = sqlite.prepare(
      'INSERT INTO stage_history (deal_id, stage, entered_at, left_at) VALUES (?, ?, ?, ?) ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at',
    )
    const insertStays = sqlite.prepare(
      `INSERT INTO stage_history (deal_id, stage, entered_at, left_at)
       SELECT d.value ->> 0, s.value ->> 0, s.value ->> 1, s.value ->> 2
       FROM jsonb_each(?) d JOIN jsonb_each(d.value, '$[${BATCH_FIELDS.length}]') s WHERE d.${stays} IS NOT NULL
       ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at`,
    )
    const closeOpenStay = sqlite.prepare('UPDATE stage_history SET left_at = ? WHERE deal_id = ? AND left_at IS NULL')
    const latestStayDate = sqlite
      .prepare('SELECT max(max(entered_at), coalesce(max(left_at), max(entered_at))) FROM stage_history WHERE deal_id = ?')
      .pluck()
    const dateStage = sqlite.prepare('UPDATE deals SET stage_entered_date = ? WHERE deal_id = ? AND stage_entered_date IS NULL')
    const insertReject = sqlite.prepare('INSERT INTO rejected_rows (run_id, line, reason, raw) VALUES (?, ?, ?, ?)')
    const owners = new Map<string, string | null>()
    type Before = { stage: string; stage_entered_date: string | null; created_date: string }
    type StageChangeRow = { new_stage: string; new_entered: string | null; new_updated: string | null; new_closed: string | null }

    // A re-import that shows a new stage (and carries no history) is a stage change: close the
    // old stay, open a new one, and date the deal's stage with it. Without a date for it in the
    // row, it happened by the import, or by the close when the deal is closed now.
    const stageChangeDate = (now: StageChangeRow) =>
      now.new_entered ?? now.new_updated ?? (now.new_closed !== null && now.new_closed < today ? now.new_closed : today)
    // A change dated before the stored stage entry or the stored history's latest date: the row
    // is older than what is stored (an older export over a newer one), and recording it would
    // close a stay before it began. The deal is kept as stored, row and history, and counted.
    // Only a row of the same deal's timeline (the created date stored) can be an older copy of it:
    // a row with another created date rewrites the deal, and the file is its truth.
    const isOlderThanStored = (dealId: string, before: Before, now: StageChangeRow & { new_created: string }) => {
      if (now.new_created !== before.created_date) return false
      const enteredNew = stageChangeDate(now)
      const latest = latestStayDate.get(dealId) as string | null
      return enteredNew < (before.stage_entered_date ?? before.created_date) || (latest !== null && enteredNew < latest)
    }
    let staysKeptFromStore = 0
    let ownersMovedApart: DisplacedOwner[] = []
    const recordStageChange = (dealId: string, before: Before, now: StageChangeRow) => {
      const enteredNew = stageChangeDate(now)
      if (closeOpenStay.run(enteredNew, dealId).changes === 0) {
        insertStay.run(dealId, before.stage, before.stage_entered_date ?? before.created_date, enteredNew)
      }
      insertStay.run(dealId, now.new_stage, enteredNew, null)
      dateStage.run(enteredNew, dealId)
    }

    let inserted = 0
    let updated = 0

    return {
      upsertBatch(batch) {
        if (batch.format !== 'json') throw new Error('a SQLite import takes batches built for SQLite')
        if (batch.size === 0) return undefined
        type Found = Before & StageChangeRow & { deal_id: string; has_history: number; keeps_lost_at: number | null; new_created: string }
        const deals = toJsonb.get(batch.dealsJson) as Buffer
        let found: Found[] = []
        const changed: Found[] = []
        const kept: string[] = []
        if (!emptyAtStart) {
          found = findBatchDeals.all(deals) as Found[]
          for (const f of found) {
            if (f.has_history !== 0 || f.stage === f.new_stage) continue
            if (!isOlderThanStored(f.deal_id, f, f)) changed.push(f)
            // A lost deal's row naming only its closed stage says nothing new about its stage (the
            // stored one stays): the rest of the row is taken, and the stored history kept.
            else if (!f.keeps_lost_at) kept.push(f.deal_id)
          }
          deleteHistories.run(deals)
        }
        staysKeptFromStore += kept.length
        // A row kept as stored changes nothing, its owner's email included (an older export's address).
        for (const [id, email] of kept.length === 0 ? batch.owners : ownersExcept(batch.dealsJson, kept)) noteOwnerEmail(owners, id, email)
        if (kept.length === 0) upsertDeals.run(deals)
        else upsertDealsExcept.run(deals, JSON.stringify(kept))
        insertStays.run(deals)
        for (const f of changed) recordStageChange(f.deal_id, f, f)
        inserted += batch.size - found.length
        updated += found.length - kept.length
        return undefined
      },
      reject(line, reason, raw) {
        insertReject.run(runId, line, reason, raw)
      },
      async commit(counts, rollup) {
        // Before the owners take the file's emails: an owner the file gives a new one passes it on
        // to the deals of theirs the file left out (their DMs follow the owner, as with a CRM sync).
        if (!emptyAtStart && owners.size > 0) {
          // The owners whose stored email the file changes (usually none), then one pass over
          // `deals` for all of them: a join would scan `deals` once per owner (no full index on owner_id).
          const changed = sqlite
            .prepare(
              `SELECT json_group_array(json_array(o.value ->> 0, o.value ->> 1)) FROM json_each(?) o
               JOIN owners s ON s.owner_id = o.value ->> 0
               WHERE o.value ->> 1 IS NOT NULL AND s.email IS NOT o.value ->> 1`,
            )
            .pluck()
            .get(JSON.stringify([...owners])) as string
          if (changed !== '[]') {
            sqlite
              .prepare(
                `UPDATE deals SET owner_email = (SELECT c.value ->> 1 FROM json_each(@changed) c WHERE c.value ->> 0 = deals.owner_id)
                 WHERE owner_id IN (SELECT value ->> 0 FROM json_each(@changed)) AND source = @source
                   AND owner_email <> (SELECT c.value ->> 1 FROM json_each(@changed) c WHERE c.value ->> 0 = deals.owner_id)`,
              )
              .run({ changed, source: run.source })
          }
        }
        if (owners.size > 0) {
          // A CRM owner whose id the file gives another person (another email) moves to an id of its own, with its deals.
          const held = sqlite
            .prepare<[string], { owner_id: string; source: string; email: string | null }>(
              'SELECT owner_id, source, email FROM owners WHERE owner_id IN (SELECT value FROM json_each(?))',
            )
            .all(JSON.stringify([...owners.keys()]))
          ownersMovedApart = displacedCrmOwners(owners, new Map(held.map((r) => [r.owner_id, { source: r.source, email: r.email }])))
          for (const d of ownersMovedApart) {
            sqlite
              .prepare(
                `INSERT INTO owners (owner_id, email, name, source, updated_at) SELECT ?, email, name, source, updated_at FROM owners WHERE owner_id = ?
                 ON CONFLICT (owner_id) DO NOTHING`,
              )
              .run(d.key, d.id)
            sqlite.prepare('UPDATE deals SET owner_id = ? WHERE owner_id = ? AND source = ?').run(d.key, d.id, d.source)
            sqlite.prepare('DELETE FROM owners WHERE owner_id = ?').run(d.id)
          }
        }
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
          .run(new Date().toISOString(), counts.read, inserted, updated, counts.rejected, runId)
        const dataVersion = `${runId}:${nowIso}`
        sqlite
          .prepare(`INSERT INTO meta (key, value) VALUES ('data_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
          .run(dataVersion)
        // The rollup may still be being built on the parser's thread while the indexes were rebuilt here.
        const built = await rollup
        const rollupWritten = built !== undefined && fresh
        if (rollupWritten) await writeAnalyticsRollup(store, built.built, { dataVersion, openStages: built.openStages })
        end('COMMIT')
        open = false
        return { runId, inserted, updated, rollupWritten, staysKeptFromStore, ownersMovedApart }
      },
      async rollback() {
        if (open) end('ROLLBACK')
        open = false
      },
    }
  } catch (error) {
    if (open) end('ROLLBACK')
    throw error
  }
}

/**
 * A first bulk load into an empty SQLite file goes through a rollback journal instead of the
 * WAL. Every page it writes is new, so the journal holds next to nothing, and each page is written
 * to the file once, not to the WAL and then again at the checkpoint (about 0.7 s of a 1M-deal
 * import). The transaction stays atomic: a killed import leaves a journal that the next opener
 * rolls back. Switches only when the store is empty and no other connection has it open (SQLite
 * refuses to leave WAL mode otherwise, and the import then runs in WAL mode as usual).
 *
 * @returns whether the connection switched; if so {@link returnToWal} must follow the transaction.
 */
function leaveWalForFirstLoad(sqlite: NonNullable<Store['sqlite']>): boolean {
  if (sqlite.memory || sqlite.readonly) return false
  if (sqlite.pragma('journal_mode', { simple: true }) !== 'wal') return false
  const empty =
    sqlite.prepare('SELECT 1 FROM deals LIMIT 1').get() === undefined &&
    sqlite.prepare('SELECT 1 FROM stage_history LIMIT 1').get() === undefined
  if (!empty) return false
  const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number
  let mode: unknown
  try {
    // Another connection is a reason to stay in WAL mode, not to wait for it to close.
    sqlite.pragma('busy_timeout = 0')
    mode = sqlite.pragma('journal_mode = DELETE', { simple: true })
  } catch {
    mode = 'wal'
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`)
  }
  if (mode !== 'delete') return false
  // A rollback journal needs FULL (not NORMAL) to survive a power cut; it costs a few syncs at commit.
  sqlite.pragma('synchronous = FULL')
  return true
}

/** Back to the store's usual WAL mode after {@link leaveWalForFirstLoad}'s transaction ended. */
function returnToWal(sqlite: NonNullable<Store['sqlite']>): void {
  sqlite.pragma('synchronous = NORMAL')
  try {
    sqlite.pragma('journal_mode = WAL')
  } catch {
    // A reader that opened meanwhile holds the file; the next open of the store sets WAL mode again.
  }
}

/**
 * For a large import, drops the secondary indexes of `deals` and `stage_history` (inside the open
 * transaction) and returns the statements that re-create them, verbatim. The partial ones over
 * open deals go too: kept up row by row they cost a 1M-deal import about 0.5-1 s of SQLite's time,
 * rebuilding them from the table about 0.3 s.
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

/** COPY text format: backslash escapes for the characters that frame a row or a field; \\N is null. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N'
  const text = String(value)
  return /[\\\n\r\t]/.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c] as string) : text
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function copyBatchOf(items: ReadonlyArray<{ deal: NormalizedDeal; history: StageStay[] | null }>): CopyDealBatch {
  const lines: string[] = []
  const owners = new Map<string, string | null>()
  for (const { deal, history } of items) {
    noteOwnerEmail(owners, deal.ownerId, deal.ownerEmail)
    const row = dealRowOf(deal)
    row.pop() // import_run_id: set at commit
    let stays: string | null = null
    // One stay per (entered_at, stage), the last one winning, as upserting them one by one would leave.
    if (history !== null) stays = JSON.stringify(uniqueStays(history).map((s) => [s.stage, s.enteredAt, s.leftAt]))
    row.push(stays)
    lines.push(row.map(copyField).join('\t'))
  }
  return { format: 'copy', size: items.length, copyText: lines.length === 0 ? '' : `${lines.join('\n')}\n`, owners: [...owners] }
}

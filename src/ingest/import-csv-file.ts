import { statSync } from 'node:fs'
import type { Worker } from 'node:worker_threads'
import { type KnownColumn, missingOptionalColumns, type OptionalColumn, resolveColumns } from '../crm/csv/csv-columns.js'
import { findDecimalMark } from '../crm/csv/find-decimal-mark.js'
import { noRows, readCsvFile } from '../crm/csv/read-csv-file.js'
import { beginDealImport, type DealImport, type ImportCounts, type ImportRollup, KEEPABLE_DEAL_COLUMNS } from '../db/begin-deal-import.js'
import { countLostAtStages } from '../db/count-lost-at-stages.js'
import type { DialectName } from '../db/dialect.js'
import { findCrmDealIdsText, findCrmDealLookup } from '../db/find-crm-deal-ids.js'
import { findDealsOfImportRun } from '../db/find-deals-of-import-run.js'
import { findStagesOfImportRun } from '../db/find-stages-of-import-run.js'
import { hasAnyDeal } from '../db/has-any-deal.js'
import type { Store } from '../db/open-store.js'
import { refreshAnalyticsRollup } from '../db/refresh-analytics-rollup.js'
import { retryWhileBusy } from '../db/retry-while-busy.js'
import { findStageOrder, findStageOrderSource, saveStageOrder, stageOrderAfterSave, stagesFromNames } from '../db/save-stage-order.js'
import { waitForWriteTurn } from '../db/wait-for-write-turn.js'
import { type BuiltRollup, createRollupBuilder } from '../domain/create-rollup-builder.js'
import type { DisplacedOwner } from '../domain/crm-owner-key.js'
import { stagesInStoredSpelling } from '../domain/stages-in-stored-spelling.js'
import { AppError } from '../errors.js'
import { startModuleWorker } from '../start-module-worker.js'
import type { CsvWorkerInput, CsvWorkerMessage } from './csv-import-worker.js'
import {
  createRowBatcher,
  type DateNoteIds,
  NO_DATE_NOTE_IDS,
  NO_STAGE_NOTES,
  type ParsedChunk,
  type StageNotes,
} from './csv-row-batcher.js'

/** What an import did, for the summary a person reads. */
export interface CsvImportSummary {
  file: string
  runId: number
  /** Data rows read: each one is inserted, updated, kept as stored ({@link staysKeptFromStore}) or rejected. */
  read: number
  /** Deals new to the store. */
  inserted: number
  /** Stored deals that took the file's row (all of them, when the same file is imported again). */
  updated: number
  rejected: number
  /** The first few rejected rows, with their line numbers and reasons. */
  firstRejects: Array<{ line: number; reason: string }>
  /** Stages seen on open or lost deals that the stage order does not name (not counting rows kept as stored). */
  unknownStages: string[]
  /**
   * Where the stage order reports use after the import came from: `config` (`PULSE_STAGES`), or
   * the CRM whose synced pipeline order takes its place (`hubspot`, `salesforce`).
   */
  stageOrderSource: string
  /** Lost deals left at a closed stage (`Closed Lost`) with no `stage_history`: where they were lost is unknown. */
  lostAtClosedStage: StageNotes['lostAtClosedStage']
  /**
   * Open deals with a `last_activity_date` after {@link today}: planned, not done (see `StageNotes`).
   * Like the two notes below, it counts only rows the import took: not those of deals kept as
   * stored ({@link staysKeptFromStore}), which change nothing.
   */
  activityAfterToday: number
  /** Won or lost deals with a `closed_date` after {@link today}: open until then in reports as of today (see `StageNotes`). */
  closedAfterToday: number
  /**
   * Imported rows that date a stage before the deal's `created_date` (`stage_entered_date`, or a
   * `stage_history` stay): that stage counts from the created date, so time in stage is never
   * longer than the deal's age (see `StageNotes`).
   */
  stageBeforeCreated: number
  /**
   * Imported rows with an optional date (`last_activity_date`, `updated_date`, `stage_entered_date`,
   * an open deal's `closed_date`) written as a placeholder for "no date" (`0001-01-01`,
   * `0000-00-00`): read as empty (see `StageNotes`).
   */
  placeholderDates: number
  /**
   * Imported rows whose `last_activity_date` is before their `created_date`: their days idle count
   * from the created date (see `StageNotes`).
   */
  activityBeforeCreated: number
  /**
   * Stored deals whose row shows a stage change dated before their stored stage history ends (an
   * older export over a newer one): the deal is kept as stored, row and history, so it is not
   * counted in {@link updated} (see `CommittedImport`).
   */
  staysKeptFromStore: number
  /**
   * CRM owners whose `sales_rep_id` the file gives another person (another email): moved with their
   * deals to `<crm>:<id>` (`hubspot:42`), so each person sees only their own deals. Absent when none.
   */
  ownersMovedApart?: DisplacedOwner[]
  /** The import's "today", `YYYY-MM-DD`: `PULSE_AS_OF`, else today in `PULSE_TZ` (the CLI), else the UTC date. */
  today: string
  /** Whole import, seconds. */
  seconds: number
  /** Of which: refreshing derived data after the commit (the analytics rollup), seconds; 0 when the import stored it. */
  refreshSeconds: number
  /** Whether the analytics rollup was built from the rows while they were parsed (an import into an empty store). */
  rollupFromImport: boolean
}

/** Options of {@link importCsvFile}. */
export interface CsvImportOptions {
  path: string
  map?: ReadonlyMap<KnownColumn, string>
  /** Configured stage order (`PULSE_STAGES`); used when no CRM has saved its own. */
  stages: readonly string[]
  startedBy?: string | null
  now?: Date
  /** "Today" when pinned (`PULSE_AS_OF`): the day stage changes without a date in the row are recorded on. */
  today?: string
  onProgress?: (bytesRead: number, totalBytes: number) => void
  /**
   * Where parsing runs: `inline` on this thread, `worker` on a worker thread while this thread
   * writes (two cores), `auto` (default) a worker for files of 8 MB and more.
   */
  threads?: 'auto' | 'inline' | 'worker'
  /**
   * Called once when another process writes to the SQLite store (a second import, a sync): the
   * import waits for it, up to `busyWaitMs`, before it starts and again after its commit.
   */
  onBusy?: () => void
  /** How long to wait for another process's write, milliseconds (default two minutes). */
  busyWaitMs?: number
  /**
   * Called once the rows are committed (with the import's run id), before the work that follows
   * (the stage order, the report summaries): from then on, stopping the process keeps them.
   */
  onCommitted?: (runId: number) => void
}

const MAX_REASONS_SHOWN = 5
const BATCH_SIZE = 1000
const WORKER_MIN_BYTES = 8 << 20
const BUSY_WAIT_MS = 120_000

/**
 * Imports a deals CSV (contract "Import CSV") in one transaction: good rows are upserted by
 * `deal_id`, bad rows are quarantined with their line and reason. A file that cannot be read
 * correctly as a whole is refused with nothing written.
 *
 * Another process writing to a SQLite store (a second import) is waited for (see
 * {@link CsvImportOptions.onBusy}), so two imports started together both land, one after the other.
 *
 * @throws AppError `bad_file` / `missing_columns` for an unusable file (nothing written); SQLite's
 *   busy error when another process kept writing for longer than `busyWaitMs` (nothing written
 *   when it was before the import began).
 */
export async function importCsvFile(store: Store, options: CsvImportOptions): Promise<CsvImportSummary> {
  const started = performance.now()
  const now = options.now ?? new Date()
  const today = options.today ?? now.toISOString().slice(0, 10)
  const size = fileSize(options.path)
  const busyWaitMs = options.busyWaitMs ?? BUSY_WAIT_MS
  let saidBusy = false
  const onBusy = () => {
    if (!saidBusy) options.onBusy?.()
    saidBusy = true
  }
  // The import's transaction begins as the header is read and cannot wait without stopping the
  // process: wait here for a write another process holds (SQLite's busy timeout is only 5 s).
  await waitForWriteTurn(store, busyWaitMs, onBusy)
  let run: DealImport | undefined
  const counts: ImportCounts = { read: 0, inserted: 0, updated: 0, rejected: 0 }
  const firstRejects: CsvImportSummary['firstRejects'] = []
  const storedNames = (await findStageOrder(store.db)).map((s) => s.name)
  // A configured stage spelt in another case than the stored order is the stored one (see saveStageOrder).
  const configured = stagesInStoredSpelling(stagesFromNames(options.stages), storedNames)
  // The order reports will use once this import saved it (a CRM's own, else the configured one):
  // a file's stage it does not name is listed after the import, as no report would show its deals.
  const order = await stageOrderAfterSave(store.db, configured, 'config')
  const stageNames = new Set(order.map((s) => s.name))
  let notes: StageNotes = NO_STAGE_NOTES
  let noteIds: DateNoteIds = NO_DATE_NOTE_IDS
  let runId = 0
  // Into an empty store, the rollup is built from the rows as they are parsed (on the parser's
  // thread for a large file) and stored by the import itself, instead of re-reading the store.
  const rollupStages = (await hasAnyDeal(store.db)) ? null : order.filter((s) => !s.isClosed).map((s) => s.name)
  // On a worker thread the rollup is finished while this thread finishes the import's writes.
  let built: BuiltRollup | null | undefined | Promise<BuiltRollup | null | undefined>
  let stopWorker = () => {}
  let rollupWritten = false
  let staysKeptFromStore = 0
  let ownersMovedApart: DisplacedOwner[] = []

  // `missing`: the optional columns the file does not have; a re-import keeps what is stored in them.
  const begin = (missing: readonly OptionalColumn[]) => {
    run = beginDealImport(store, {
      source: 'csv',
      file: options.path,
      startedBy: options.startedBy ?? null,
      now,
      today: options.today,
      // A deals row is rarely under 100 bytes, so this over-estimates a little.
      expectedRows: Math.ceil(size / 100),
      keepStored: KEEPABLE_DEAL_COLUMNS.filter((c) => (missing as readonly string[]).includes(c)),
      openStages: configured.filter((s) => !s.isClosed).map((s) => s.name),
    })
  }
  // Returns a promise when the store wants the writer to wait before the next batch (PostgreSQL).
  const write = (chunk: ParsedChunk): Promise<void> | undefined => {
    const current = run as DealImport
    counts.read += chunk.read
    for (const r of chunk.rejects) {
      counts.rejected++
      if (firstRejects.length < MAX_REASONS_SHOWN) firstRejects.push({ line: r.line, reason: r.reason })
      current.reject(r.line, r.reason, r.raw)
    }
    return current.upsertBatch(chunk.batch)
  }

  try {
    const threads = options.threads ?? 'auto'
    // A row with the id of a deal a CRM sync stored is quarantined, not written over that deal.
    // The worker reads them from text: a store may hold a million, and this thread keeps no sets of them.
    if (threads === 'worker' || (threads === 'auto' && size >= WORKER_MIN_BYTES)) {
      const crmDeals = await findCrmDealIdsText(store)
      const parsed = await parseInWorker({ ...options, today }, [...stageNames], store.dialect, rollupStages, crmDeals, begin, write)
      notes = parsed.notes
      noteIds = parsed.dateNoteIds
      built = parsed.rollup
      stopWorker = parsed.stop
    } else {
      let batcher: ReturnType<typeof createRowBatcher> | undefined
      const crmDealOf = await findCrmDealLookup(store)
      const rollup = rollupStages === null ? undefined : createRollupBuilder({ openStages: rollupStages })
      // A tab-separated file is first read for the mark its amounts show before their decimals.
      const decimalMark = await findDecimalMark(options.path, options.map)
      await readCsvFile(
        options.path,
        (header, delimiter) => {
          // Parsing here cannot wait: on PostgreSQL batches queue in memory until the COPY takes them.
          const layout = resolveColumns(header, options.map, delimiter, decimalMark)
          batcher = createRowBatcher(layout, stageNames, BATCH_SIZE, write, store.dialect, rollup, today, crmDealOf)
          begin(missingOptionalColumns(layout))
        },
        (fields, line, unclosedQuote, swallowed) => batcher?.onRow(fields, line, unclosedQuote, swallowed),
        options.onProgress,
      )
      notes = batcher?.finish() ?? NO_STAGE_NOTES
      noteIds = batcher?.dateNoteIds() ?? NO_DATE_NOTE_IDS
      built = rollup?.finish()
    }
    if (!run) throw new AppError('bad_file', `${options.path} has no header row; nothing was imported.`)
    if (counts.read === 0) throw noRows(options.path)
    const importRollup: Promise<ImportRollup | undefined> | undefined =
      rollupStages === null
        ? undefined
        : Promise.resolve(built).then((b) => (b === undefined ? undefined : { built: b, openStages: rollupStages }))
    // The commit awaits it after its own writes: a failure meanwhile surfaces there.
    importRollup?.catch(() => undefined)
    const result = await run.commit(counts, importRollup)
    runId = result.runId
    counts.inserted = result.inserted
    counts.updated = result.updated
    rollupWritten = result.rollupWritten
    staysKeptFromStore = result.staysKeptFromStore
    ownersMovedApart = result.ownersMovedApart
  } catch (error) {
    stopWorker()
    await run?.rollback()
    throw error
  }
  options.onCommitted?.(runId)
  // The rows are committed: another process that began writing since (a second import) is waited
  // for, without stopping this one, so that the import is not reported as failed once they are stored.
  const afterCommit = <T>(write: () => Promise<T>) =>
    retryWhileBusy(
      async () => {
        await waitForWriteTurn(store, busyWaitMs, onBusy)
        return write()
      },
      busyWaitMs,
      onBusy,
    )
  await afterCommit(() => saveStageOrder(store.db, configured, 'config'))
  // A re-import may keep the stage a lost deal was lost at that the store knew: count what is stored.
  if (rollupStages === null && notes.lostAtClosedStage.length > 0) {
    const stored = await countLostAtStages(
      store.db,
      runId,
      notes.lostAtClosedStage.map((l) => l.stage),
    )
    notes = {
      ...notes,
      lostAtClosedStage: notes.lostAtClosedStage.flatMap((l) =>
        stored.has(l.stage) ? [{ ...l, deals: stored.get(l.stage) as number }] : [],
      ),
    }
  }
  // A row kept as stored changes nothing: its date notes are taken back, and a stage only such rows name is not listed.
  if (staysKeptFromStore > 0) {
    const held = await findStagesOfImportRun(store.db, runId, notes.unknownStages)
    notes = {
      ...notes,
      unknownStages: notes.unknownStages.filter((s) => held.has(s)),
      ...(await dateNotesOfRun(store, runId, noteIds)),
    }
  }
  const committed = performance.now()
  if (!rollupWritten) await afterCommit(() => refreshAnalyticsRollup(store))
  return {
    file: options.path,
    runId,
    ...counts,
    firstRejects,
    ...notes,
    stageOrderSource: (await findStageOrderSource(store.db)) ?? 'config',
    staysKeptFromStore,
    ...(ownersMovedApart.length > 0 ? { ownersMovedApart } : {}),
    today,
    seconds: (performance.now() - started) / 1000,
    refreshSeconds: (performance.now() - committed) / 1000,
    rollupFromImport: rollupWritten,
  }
}

/**
 * The date notes of `StageNotes` counting only the rows import run `runId` wrote, not those of
 * deals it kept as stored (`ids`: the rows each note counted as parsed).
 */
async function dateNotesOfRun(
  store: Store,
  runId: number,
  ids: DateNoteIds,
): Promise<
  Pick<StageNotes, 'activityAfterToday' | 'closedAfterToday' | 'stageBeforeCreated' | 'placeholderDates' | 'activityBeforeCreated'>
> {
  const written = await findDealsOfImportRun(store.db, runId, [
    ...ids.activityAfterToday,
    ...ids.closedAfterToday,
    ...ids.stageBeforeCreated,
    ...ids.placeholderDates,
    ...ids.activityBeforeCreated,
  ])
  const count = (list: readonly string[]) => list.filter((id) => written.has(id)).length
  return {
    activityAfterToday: count(ids.activityAfterToday),
    closedAfterToday: count(ids.closedAfterToday),
    stageBeforeCreated: count(ids.stageBeforeCreated),
    placeholderDates: count(ids.placeholderDates),
    activityBeforeCreated: count(ids.activityBeforeCreated),
  }
}

/** What {@link parseInWorker} resolves with once every row is handed over. */
interface WorkerParse {
  notes: StageNotes
  /** The rows each date note counts (see `DateNoteIds`). */
  dateNoteIds: DateNoteIds
  /**
   * The rollup the worker builds from the good rows when `rollupStages` was given (still being
   * finished on its thread when this resolves), else undefined. Rejects when the worker fails.
   */
  rollup: Promise<BuiltRollup | null | undefined>
  /** Stops the worker (the import failed after every row was handed over). */
  stop: () => void
}

/**
 * Parses the file on a worker thread; `begin` runs once the header is accepted and `write` for
 * each batch, on this thread, in file order. Resolves with the stage notes once every batch is
 * written, and, when `rollupStages` is given, the rollup the worker goes on to finish.
 */
function parseInWorker(
  options: CsvImportOptions,
  stageNames: string[],
  dialect: DialectName,
  rollupStages: string[] | null,
  crmDealIds: string,
  begin: (missing: readonly OptionalColumn[]) => void,
  write: (chunk: ParsedChunk) => Promise<void> | undefined,
): Promise<WorkerParse> {
  const inFlight = new SharedArrayBuffer(4)
  const counter = new Int32Array(inFlight)
  const input: CsvWorkerInput = {
    path: options.path,
    map: [...(options.map ?? new Map())],
    stageNames,
    batchSize: BATCH_SIZE,
    dialect,
    inFlight,
    rollupStages,
    // Sample rows with a stage history run about 250 bytes; the builder's arrays grow past this when needed.
    expectedRows: Math.ceil(fileSize(options.path) / 256),
    today: options.today ?? new Date().toISOString().slice(0, 10),
    crmDealIds,
  }
  const worker = startWorker(input)
  const total = fileSize(options.path)
  const stop = () => void worker.terminate()
  let rollupDone: { resolve: (rollup: BuiltRollup | null | undefined) => void; reject: (error: unknown) => void } | undefined
  const rollup = new Promise<BuiltRollup | null | undefined>((resolve, reject) => {
    rollupDone = { resolve, reject }
  })
  // Awaited at commit; a failure before then is the import's own failure, reported once.
  rollup.catch(() => undefined)
  return new Promise((resolve, reject) => {
    // 'rows': batches are coming; 'rollup': every batch is written, the rollup is coming; 'ended'.
    let phase: 'rows' | 'rollup' | 'ended' = 'rows'
    const fail = (error: unknown) => {
      if (phase === 'ended') return
      if (phase === 'rows') reject(error)
      else rollupDone?.reject(error)
      phase = 'ended'
      stop()
    }
    // Messages are handled one per turn of the event loop: when the parser is ahead, Node would
    // otherwise hand over every queued batch in one go (up to a thousand), and Ctrl-C, timers and
    // other I/O would wait for the whole import.
    // The worker's exit is queued behind its messages: it may exit before its last ones are handled.
    const queue: Array<CsvWorkerMessage | { type: 'exit'; code: number }> = []
    let scheduled = false
    const next = () => {
      const message = queue.shift()
      if (message !== undefined) handle(message)
      scheduled = queue.length > 0 && phase !== 'ended'
      if (scheduled) setImmediate(next)
    }
    const enqueue = (message: (typeof queue)[number]) => {
      queue.push(message)
      if (!scheduled) {
        scheduled = true
        setImmediate(next)
      }
    }
    worker.on('message', enqueue)
    const handle = (message: (typeof queue)[number]) => {
      if (phase === 'ended') return
      if (message.type === 'exit') {
        fail(new Error(`the CSV parser stopped unexpectedly (exit code ${message.code})`))
        return
      }
      try {
        if (message.type === 'header') begin(message.missing)
        else if (message.type === 'chunk') {
          const written = () => {
            Atomics.sub(counter, 0, 1)
            Atomics.notify(counter, 0)
            options.onProgress?.(message.bytes, total)
          }
          // Batches are handed over in file order; a batch counts as written once the store
          // has taken it, which holds the parser back when the store is slower.
          const waiting = write(message)
          if (waiting) waiting.then(written, fail)
          else written()
        } else if (message.type === 'done') {
          // Every field but the type and the ids is one of the rows' notes (`StageNotes`).
          const { type: _done, dateNoteIds, ...notes } = message
          if (rollupStages === null) {
            phase = 'ended'
            stop()
            rollupDone?.resolve(undefined)
          } else phase = 'rollup'
          resolve({
            notes,
            dateNoteIds,
            rollup,
            stop,
          })
        } else if (message.type === 'rollup') {
          phase = 'ended'
          stop()
          rollupDone?.resolve(message.rollup)
        } else {
          fail(message.code === null ? new Error(message.message) : new AppError(message.code, message.message))
        }
      } catch (error) {
        fail(error)
      }
    }
    worker.on('error', fail)
    worker.on('exit', (code) => enqueue({ type: 'exit', code }))
  })
}

function startWorker(input: CsvWorkerInput): Worker {
  return startModuleWorker(import.meta.url, 'csv-import-worker', input)
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/**
 * Worker thread of a large CSV import: reads, parses and validates the file and posts batches
 * (see {@link CsvWorkerMessage}) to the thread that writes them, so parsing and writing run on
 * two cores. At most `MAX_IN_FLIGHT` (16) batches wait at a time, so memory stays flat.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { type ColumnLayout, type KnownColumn, missingOptionalColumns, type OptionalColumn, resolveColumns } from '../crm/csv/csv-columns.js'
import { findDecimalMark } from '../crm/csv/find-decimal-mark.js'
import { readCsvFile } from '../crm/csv/read-csv-file.js'
import type { DialectName } from '../db/dialect.js'
import { crmDealIdsOfText, crmSourceOf } from '../db/find-crm-deal-ids.js'
import { type BuiltRollup, createRollupBuilder } from '../domain/create-rollup-builder.js'
import { AppError } from '../errors.js'
import {
  createRowBatcher,
  type DateNoteIds,
  NO_DATE_NOTE_IDS,
  NO_STAGE_NOTES,
  type ParsedChunk,
  type StageNotes,
} from './csv-row-batcher.js'

/** What the importing thread hands the worker. */
export interface CsvWorkerInput {
  path: string
  map: Array<[KnownColumn, string]>
  stageNames: string[]
  batchSize: number
  /** The dialect of the store the batches are for. */
  dialect: DialectName
  /** Int32Array(1) over a SharedArrayBuffer: batches posted and not yet written. */
  inFlight: SharedArrayBuffer
  /** The open stages of the analytics rollup to build from the rows (null: build none). */
  rollupStages: string[] | null
  /** Rough number of deals in the file (sizes the rollup builder's arrays). */
  expectedRows: number
  /** The import's "today", `YYYY-MM-DD` (see `StageNotes.activityAfterToday`). */
  today: string
  /** The deals a CRM sync stored, as `findCrmDealIdsText` writes them: rows with these ids are quarantined (see `createRowBatcher`). */
  crmDealIds: string
}

/**
 * What the worker posts, in order: `header`, then `chunk`s, then `done` once every row is posted,
 * then `rollup` when it builds one (or `error` at any point). The rollup is finished after `done`,
 * so the writing thread can finish its own work on the import meanwhile.
 */
export type CsvWorkerMessage =
  | { type: 'header'; missing: OptionalColumn[] }
  | ({ type: 'chunk'; bytes: number } & ParsedChunk)
  | ({ type: 'done'; dateNoteIds: DateNoteIds } & StageNotes)
  | { type: 'rollup'; rollup: BuiltRollup | null }
  | { type: 'error'; code: AppError['code'] | null; message: string }

/** Batches the worker may post before it waits for the writer (about 250 KB each): enough slack that a GC pause or a slow batch on either side does not stall the other. */
export const MAX_IN_FLIGHT = 16

function runWorker(input: CsvWorkerInput): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('csv-import-worker must run in a worker thread')
  const inFlight = new Int32Array(input.inFlight)
  const post = (message: CsvWorkerMessage) => port.postMessage(message)
  let bytes = 0
  let batcher: ReturnType<typeof createRowBatcher> | undefined
  const crmDealIds = crmDealIdsOfText(input.crmDealIds)
  const rollup =
    input.rollupStages === null ? undefined : createRollupBuilder({ openStages: input.rollupStages, capacity: input.expectedRows })
  const emit = (chunk: ParsedChunk) => {
    for (;;) {
      const waiting = Atomics.load(inFlight, 0)
      if (waiting < MAX_IN_FLIGHT) break
      Atomics.wait(inFlight, 0, waiting, 1000)
    }
    Atomics.add(inFlight, 0, 1)
    post({ type: 'chunk', bytes, ...chunk })
  }
  // A tab-separated file is first read for the mark its amounts show before their decimals.
  return findDecimalMark(input.path, new Map(input.map))
    .then((decimalMark) =>
      readCsvFile(
        input.path,
        (header, delimiter) => {
          const layout: ColumnLayout = resolveColumns(header, new Map(input.map), delimiter, decimalMark)
          batcher = createRowBatcher(layout, new Set(input.stageNames), input.batchSize, emit, input.dialect, rollup, input.today, (id) =>
            crmSourceOf(crmDealIds, id),
          )
          post({ type: 'header', missing: missingOptionalColumns(layout) })
        },
        (fields, line, unclosedQuote, swallowed) => batcher?.onRow(fields, line, unclosedQuote, swallowed),
        (read) => {
          bytes = read
        },
      ),
    )
    .then(() => {
      post({ type: 'done', ...(batcher?.finish() ?? NO_STAGE_NOTES), dateNoteIds: batcher?.dateNoteIds() ?? NO_DATE_NOTE_IDS })
      if (rollup) post({ type: 'rollup', rollup: rollup.finish() })
    })
    .catch((error: unknown) => {
      post({
        type: 'error',
        code: error instanceof AppError ? error.code : null,
        message: error instanceof Error ? error.message : String(error),
      })
    })
}

if (parentPort) void runWorker(workerData as CsvWorkerInput)

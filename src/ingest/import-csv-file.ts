import { statSync } from 'node:fs'
import { type ColumnLayout, type KnownColumn, resolveColumns } from '../crm/csv/csv-columns.js'
import { parseDealRow } from '../crm/csv/parse-deal-row.js'
import { readCsvFile } from '../crm/csv/read-csv-file.js'
import { beginDealImport, type DealImport, dealBatchOf, type ImportCounts } from '../db/begin-deal-import.js'
import type { Store } from '../db/open-store.js'
import { findStageOrder, saveStageOrder, stagesFromNames } from '../db/save-stage-order.js'
import type { NormalizedDeal, StageStay } from '../domain/normalized-deal.js'
import { AppError } from '../errors.js'

/** What an import did, for the summary a person reads. */
export interface CsvImportSummary {
  file: string
  runId: number
  read: number
  inserted: number
  updated: number
  rejected: number
  /** The first few rejected rows, with their line numbers and reasons. */
  firstRejects: Array<{ line: number; reason: string }>
  /** Stages seen on open or lost deals that the stage order does not name. */
  unknownStages: string[]
  seconds: number
}

/** Options of {@link importCsvFile}. */
export interface CsvImportOptions {
  path: string
  map?: ReadonlyMap<KnownColumn, string>
  /** Configured stage order (`PULSE_STAGES`); used when no CRM has saved its own. */
  stages: readonly string[]
  startedBy?: string | null
  now?: Date
  onProgress?: (bytesRead: number, totalBytes: number) => void
}

const MAX_REASONS_SHOWN = 5
const BATCH_SIZE = 1000

/**
 * Imports a deals CSV (contract "Import CSV") in one transaction: good rows are upserted by
 * `deal_id`, bad rows are quarantined with their line and reason. A file that cannot be read
 * correctly as a whole is refused with nothing written.
 *
 * @throws AppError `bad_file` / `missing_columns` for an unusable file (nothing written).
 */
export async function importCsvFile(store: Store, options: CsvImportOptions): Promise<CsvImportSummary> {
  const started = performance.now()
  const now = options.now ?? new Date()
  let layout: ColumnLayout | undefined
  let run: DealImport | undefined
  const counts: ImportCounts = { read: 0, inserted: 0, updated: 0, rejected: 0 }
  const firstRejects: CsvImportSummary['firstRejects'] = []
  const seen = new Map<string, number>()
  const stageNames = new Set((await findStageOrder(store.db)).map((s) => s.name))
  for (const s of options.stages) stageNames.add(s)
  const unknownStages = new Set<string>()
  let batch: Array<{ deal: NormalizedDeal; history: StageStay[] | null }> = []
  const flush = () => {
    if (batch.length === 0) return
    const result = (run as DealImport).upsertBatch(dealBatchOf(batch))
    counts.inserted += result.inserted
    counts.updated += result.updated
    batch = []
  }

  const quarantine = (line: number, reason: string, fields: readonly string[]) => {
    counts.rejected++
    if (firstRejects.length < MAX_REASONS_SHOWN) firstRejects.push({ line, reason })
    run?.reject(line, reason, toCsvLine(fields))
  }

  try {
    await readCsvFile(
      options.path,
      (header) => {
        layout = resolveColumns(header, options.map)
        run = beginDealImport(store, {
          source: 'csv',
          file: options.path,
          startedBy: options.startedBy ?? null,
          now,
          expectedRows: estimateRows(options.path),
        })
      },
      (fields, line) => {
        counts.read++
        const parsed = parseDealRow(fields, layout as ColumnLayout)
        if (!parsed.ok) return quarantine(line, parsed.reason, fields)
        const first = seen.get(parsed.deal.dealId)
        if (first !== undefined) return quarantine(line, `deal_id ${parsed.deal.dealId} appears again (first on line ${first})`, fields)
        seen.set(parsed.deal.dealId, line)
        if (parsed.deal.outcome !== 'won' && !stageNames.has(parsed.deal.stage)) unknownStages.add(parsed.deal.stage)
        batch.push(parsed)
        if (batch.length >= BATCH_SIZE) flush()
      },
      options.onProgress,
    )
    if (!run) throw new AppError('bad_file', `${options.path} has no header row; nothing was imported.`)
    if (counts.read === 0) throw new AppError('bad_file', `${options.path} has a header but no deal rows; nothing was imported.`)
    flush()
    run.commit(counts)
  } catch (error) {
    run?.rollback()
    throw error
  }
  await saveStageOrder(store.db, stagesFromNames(options.stages), 'config')
  return {
    file: options.path,
    runId: run.runId,
    ...counts,
    firstRejects,
    unknownStages: [...unknownStages].sort(),
    seconds: (performance.now() - started) / 1000,
  }
}

/** Re-creates a row's text for the quarantine (fields quoted where CSV needs it). */
function toCsvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\n\r]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')
}

/** A rough upper estimate of a file's rows (a deals row is rarely under 100 bytes). */
function estimateRows(path: string): number {
  try {
    return Math.ceil(statSync(path).size / 100)
  } catch {
    return 0
  }
}

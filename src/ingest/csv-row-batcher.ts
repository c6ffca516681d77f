import type { ColumnLayout } from '../crm/csv/csv-columns.js'
import { parseDealRow } from '../crm/csv/parse-deal-row.js'
import type { SwallowedRows } from '../crm/csv/read-csv-file.js'
import { type DealBatch, dealBatchOf, dealRollupRecordOf, uniqueStays } from '../db/begin-deal-import.js'
import type { DialectName } from '../db/dialect.js'
import type { CrmDealLookup } from '../db/find-crm-deal-ids.js'
import { isLostStageName, isWonStageName } from '../db/save-stage-order.js'
import type { RollupBuilder } from '../domain/create-rollup-builder.js'
import { sourceInWords } from '../domain/crm-deal-key.js'
import type { NormalizedDeal, StageStay } from '../domain/normalized-deal.js'
import { stageSpelling } from '../domain/stage-spelling.js'
import { createFirstLines } from './create-first-lines.js'

/** A quarantined input row: its line, the reason and its text as CSV. */
export interface RowReject {
  line: number
  reason: string
  raw: string
}

/** Rows of a file turned into one batch to write, plus the rows refused among them. */
export interface ParsedChunk {
  batch: DealBatch
  rejects: RowReject[]
  /** Data rows read for this chunk (good and bad). */
  read: number
}

/** Feeds CSV rows in file order; emits a {@link ParsedChunk} every `batchSize` good rows. */
export interface RowBatcher {
  /**
   * `unclosedQuote`: the file ends inside a quoted value of this row; `swallowed`: a value of the
   * row holds lines that look like rows (see `RowHandler`). Either way the row is quarantined.
   */
  onRow(fields: string[], line: number, unclosedQuote?: boolean, swallowed?: SwallowedRows): void
  /** Emits what is left and returns what the file says about stages (see {@link StageNotes}). */
  finish(): StageNotes
  /** The deal ids of the rows each date note of {@link StageNotes} counts (see {@link DateNoteIds}). */
  dateNoteIds(): DateNoteIds
}

/**
 * The deal ids of the good rows each date note counts, in file order: a row the store keeps as
 * stored (an older export's) changes nothing, so after the commit its notes are taken back
 * (see `importCsvFile`).
 */
export interface DateNoteIds {
  activityAfterToday: string[]
  closedAfterToday: string[]
  stageBeforeCreated: string[]
  placeholderDates: string[]
  activityBeforeCreated: string[]
}

/** What an import's rows said about stages, for its summary. */
export interface StageNotes {
  /** Stages seen on open or lost deals that the stage order does not name. */
  unknownStages: string[]
  /**
   * Lost deals whose `deal_stage` is a closed stage (`Closed Lost`) with no `stage_history` to
   * tell where they were lost, counted per stage name (sorted by name).
   */
  lostAtClosedStage: Array<{ stage: string; deals: number }>
  /**
   * Open deals whose `last_activity_date` is after the import's "today": a day that has not come
   * is a planned activity, not one done, and reports cannot tell such a deal's days idle.
   */
  activityAfterToday: number
  /**
   * Won or lost deals whose `closed_date` is after the import's "today": reports as of today
   * count such a deal as still open (open pipeline, stalled and stale figures) until that day.
   */
  closedAfterToday: number
  /**
   * Imported rows that date a stage before the deal's `created_date` (`stage_entered_date` or a
   * `stage_history` stay): that stage counts from the created date (see `stagesFromCreated`).
   */
  stageBeforeCreated: number
  /**
   * Imported rows with an optional date written as a placeholder for "no date" (`0001-01-01`,
   * `0000-00-00`; see `isPlaceholderDate`): read as empty, as the tool that wrote it meant.
   */
  placeholderDates: number
  /**
   * Imported rows whose `last_activity_date` is before their `created_date`: stored as written,
   * and their days idle count from the created date, so no deal is idle longer than it has existed.
   */
  activityBeforeCreated: number
}

/** The date notes' rows of a file that gave no rows. */
export const NO_DATE_NOTE_IDS: DateNoteIds = Object.freeze({
  activityAfterToday: [],
  closedAfterToday: [],
  stageBeforeCreated: [],
  placeholderDates: [],
  activityBeforeCreated: [],
})

/** The notes of a file that gave no rows. */
export const NO_STAGE_NOTES: StageNotes = Object.freeze({
  unknownStages: [],
  lostAtClosedStage: [],
  activityAfterToday: 0,
  closedAfterToday: 0,
  stageBeforeCreated: 0,
  placeholderDates: 0,
  activityBeforeCreated: 0,
})

/**
 * Validates rows (contract "Import CSV": each row parsed, ids unique within the file) and packs
 * the good ones into batches for a store of the given dialect. Pure apart from `emit`, so it runs
 * the same in a worker thread. With `rollup`, each good deal and its stays (as the store will
 * keep them) are also added to that analytics rollup builder. A row whose id `crmDealOf` names
 * the source of (a deal a CRM sync stored) is quarantined: a CSV row does not replace a CRM's deal.
 */
export function createRowBatcher(
  layout: ColumnLayout,
  stageNames: ReadonlySet<string>,
  batchSize: number,
  emit: (chunk: ParsedChunk) => void,
  dialect: DialectName,
  rollup?: RollupBuilder,
  today?: string,
  crmDealOf?: CrmDealLookup,
): RowBatcher {
  const seen = createFirstLines()
  const unknownStages = new Set<string>()
  const spelling = stageSpelling(stageNames)
  const lostAtClosedStage = new Map<string, number>()
  const noteIds: DateNoteIds = {
    activityAfterToday: [],
    closedAfterToday: [],
    stageBeforeCreated: [],
    placeholderDates: [],
    activityBeforeCreated: [],
  }
  let items: Array<{ deal: NormalizedDeal; history: StageStay[] | null }> = []
  let rejects: RowReject[] = []
  let read = 0
  const flush = () => {
    if (read === 0) return
    emit({ batch: dealBatchOf(items, dialect), rejects, read })
    items = []
    rejects = []
    read = 0
  }
  return {
    onRow(fields, line, unclosedQuote, swallowed) {
      read++
      if (unclosedQuote) {
        rejects.push({ line, reason: UNCLOSED_QUOTE, raw: toCsvLine(fields, layout.delimiter) })
        return
      }
      if (swallowed) {
        rejects.push({ line, reason: swallowedRowsReason(line, swallowed), raw: toCsvLine(fields, layout.delimiter) })
        return
      }
      const parsed = parseDealRow(fields, layout)
      if (!parsed.ok) {
        rejects.push({ line, reason: parsed.reason, raw: toCsvLine(fields, layout.delimiter) })
        return
      }
      const crm = crmDealOf?.(parsed.deal.dealId)
      if (crm !== undefined) {
        rejects.push({ line, reason: heldByCrmReason(parsed.deal.dealId, crm), raw: toCsvLine(fields, layout.delimiter) })
        return
      }
      const first = seen.firstOrAdd(parsed.deal.dealId, line)
      if (first !== -1) {
        rejects.push({
          line,
          reason: `deal_id ${parsed.deal.dealId} appears again (first on line ${first})`,
          raw: toCsvLine(fields, layout.delimiter),
        })
        return
      }
      if (!stageNames.has(parsed.deal.stage)) parsed.deal.stage = spelling(parsed.deal.stage)
      if (parsed.history !== null) for (const s of parsed.history) if (!stageNames.has(s.stage)) s.stage = spelling(s.stage)
      const { outcome, stage } = parsed.deal
      // A lost deal still at `Closed Lost` had no history to place it: adding that name to the
      // stage order would not place it either, so it is told apart from a stage the order lacks.
      if (outcome === 'lost' && (isLostStageName(stage) || isWonStageName(stage)))
        lostAtClosedStage.set(stage, (lostAtClosedStage.get(stage) ?? 0) + 1)
      else if (outcome !== 'won' && !stageNames.has(stage)) unknownStages.add(stage)
      const { dealId, lastActivityDate: activity, closedDate: closed } = parsed.deal
      if (outcome === 'open' && today !== undefined && activity !== null && activity > today) noteIds.activityAfterToday.push(dealId)
      if (outcome !== 'open' && today !== undefined && closed !== null && closed > today) noteIds.closedAfterToday.push(dealId)
      if (parsed.stageBeforeCreated) noteIds.stageBeforeCreated.push(dealId)
      if (parsed.placeholderDate) noteIds.placeholderDates.push(dealId)
      if (parsed.activityBeforeCreated) noteIds.activityBeforeCreated.push(dealId)
      if (rollup) {
        const key = seen.size - 1
        rollup.addDeal(key, dealRollupRecordOf(parsed.deal))
        if (parsed.history !== null) for (const s of uniqueStays(parsed.history)) rollup.addStay(key, s.stage, s.enteredAt, s.leftAt)
      }
      items.push(parsed)
      if (items.length >= batchSize) flush()
    },
    finish() {
      flush()
      return {
        unknownStages: [...unknownStages].sort(),
        lostAtClosedStage: [...lostAtClosedStage]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([stage, deals]) => ({ stage, deals })),
        activityAfterToday: noteIds.activityAfterToday.length,
        closedAfterToday: noteIds.closedAfterToday.length,
        stageBeforeCreated: noteIds.stageBeforeCreated.length,
        placeholderDates: noteIds.placeholderDates.length,
        activityBeforeCreated: noteIds.activityBeforeCreated.length,
      }
    },
    dateNoteIds: () => noteIds,
  }
}

/**
 * Why a row whose id is a deal a CRM sync stored is quarantined: `deal_id` is the one key across
 * sources, and the row would replace the CRM's deal and its stage history.
 */
export function heldByCrmReason(dealId: string, source: string): string {
  const crm = sourceInWords(source)
  return `deal_id ${dealId} is a deal synced from ${crm}, and a CSV row does not replace a CRM's deal: if this row is another deal, give it an id of its own; if it is the same deal, leave it out (the ${crm} sync keeps it up to date)`
}

/** Why the last row of a file that ends inside a quoted value is quarantined. */
export const UNCLOSED_QUOTE =
  'the file ends inside a quoted value that starts in this row (a quote never closed): is the file cut short? Close the quote or export the file again'

/**
 * Why a row whose value holds lines that look like rows is quarantined: a quote opened in it and
 * closed only by a later value's quote read those rows into it, and they would be lost unseen.
 */
function swallowedRowsReason(line: number, s: SwallowedRows): string {
  const rows = s.rows === 1 ? '1 line that looks like a row' : `${s.rows.toLocaleString('en-US')} lines that look like rows`
  return `a quoted value runs from line ${line} to line ${s.lastLine} and holds ${rows} of the file: a quote opened in this row and closed only on line ${s.lastLine}? Close the quote where the value ends (or remove it) and import again`
}

/**
 * Re-creates a row's text for the quarantine, separated as the file is (a semicolon-separated
 * row stays one, to paste back into its file), fields quoted where CSV needs it.
 */
function toCsvLine(fields: readonly string[], delimiter: string): string {
  return fields.map((f) => (f.includes(delimiter) || /["\n\r]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(delimiter)
}

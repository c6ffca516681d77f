import { existsSync, rmSync } from 'node:fs'
import { formatCount } from '../../analytics/format-figures.js'
import { commandUser, todayOf } from '../../config.js'
import { checkColumnMap, duplicateHeaders, parseColumnMap, resolveColumns } from '../../crm/csv/csv-columns.js'
import { checkCsvHeader } from '../../crm/csv/read-csv-file.js'
import { AppError } from '../../errors.js'
import { type CsvImportSummary, importCsvFile } from '../../ingest/import-csv-file.js'
import { cliConfig, dbOptionOf, emit, usingStore } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { progressBar } from '../progress-bar.js'
import type { IngestOptions, registerIngestCommand } from './ingest-command.js'
import { REJECTED_LISTED } from './rejected-command.js'

/** Runs `pulse ingest` with what Commander parsed: the work behind {@link registerIngestCommand}. */
export async function runIngestCommand(options: IngestOptions, io: CliIo): Promise<void> {
  const map = parseColumnMap(options.map)
  const csv = options.csv as string
  // An unusable file (missing, not CSV, missing columns, no rows) is refused before the database is opened or created.
  await checkCsvHeader(csv, (header) => {
    // The map first: a header given to two columns would otherwise read as a missing column.
    if (map.size > 0) checkColumnMap(header, map)
    resolveColumns(header, map)
    for (const d of duplicateHeaders(header)) {
      io.err(
        `The header names "${d.name}" ${d.columns.length} times (columns ${d.columns.join(', ')}): column ${d.columns[0]} is read, the other${d.columns.length > 2 ? 's are' : ' is'} ignored.`,
      )
    }
  })
  // A file found unusable only once its rows are read (won deals but no closed_date column, bad
  // bytes far into the file) leaves no database behind that this import created.
  const config = cliConfig()
  const dbPath = options.db ?? config.dbPath
  const creates = config.databaseUrl === undefined && dbPath !== ':memory:' && !existsSync(dbPath)
  const summary = await usingStore(
    options,
    async (store, config) => {
      const bar = progressBar(`Importing ${csv}`, io.errIsTty)
      // Once committed, the rows stay: only what follows them (the stage order, the report summaries) is left undone.
      let committedRun: number | undefined
      const stopOnInterrupt = () => {
        bar.done()
        io.err(
          committedRun === undefined
            ? 'Import cancelled: nothing from this file was written.'
            : `Stopped after the rows of this file were stored (import run ${committedRun}); the report summaries catch up at the next import or sync, or when pulse serve starts, and reports are right meanwhile.`,
        )
        process.exit(130)
      }
      process.once('SIGINT', stopOnInterrupt)
      try {
        return await importCsvFile(store, {
          path: csv,
          map,
          stages: config.stages,
          startedBy: commandUser(),
          // A stage change the rows do not date happened today where the team is (as reports count).
          today: todayOf(config),
          onProgress: bar.update,
          onCommitted: (runId) => {
            committedRun = runId
          },
          onBusy: () =>
            io.err('The database is busy: another import or a sync is writing to it. Waiting for it (up to 2 minutes; Ctrl-C stops)…'),
        })
      } finally {
        process.off('SIGINT', stopOnInterrupt)
        bar.done()
      }
    },
    { io },
  ).catch((error: unknown) => {
    if (creates && error instanceof AppError && (error.code === 'missing_columns' || error.code === 'bad_file')) {
      for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`]) {
        // A removal that fails (the --db path runs through a file, ENOTDIR) must not hide why the import stopped.
        try {
          rmSync(file, { force: true })
        } catch {}
      }
    }
    throw error
  })
  // The command it names reads the database this import wrote, not the default one.
  emit(io, options, summary, () => formatImportSummary(summary, dbOptionOf(options, config)))
  // Rows kept as stored were read and found older than the store: not a failure to import.
  if (summary.inserted + summary.updated + summary.staysKeptFromStore === 0) {
    throw new AppError('nothing_imported', `No row of ${csv} could be imported; fix the rows listed above and import again.`)
  }
}

/**
 * The import summary a person reads: counts, then the first reasons for rejected rows.
 * `dbOption` (` --db PATH`, or empty for the default database) follows the `pulse rejected` it names.
 */
export function formatImportSummary(s: CsvImportSummary, dbOption = ''): string {
  const lines = [
    `Imported ${formatCount(s.inserted + s.updated)} of ${formatCount(s.read)} rows from ${s.file} in ${s.seconds.toFixed(1)} s: ${formatCount(s.inserted)} new, ${formatCount(s.updated)} updated, ${s.staysKeptFromStore > 0 ? `${formatCount(s.staysKeptFromStore)} kept as stored (older than the store), ` : ''}${formatCount(s.rejected)} rejected.`,
  ]
  if (s.rejected > 0) {
    lines.push(
      `Rejected rows (kept in the database: \`pulse rejected ${s.runId}${dbOption}\` lists them with their text${s.rejected > REJECTED_LISTED ? `, ${formatCount(REJECTED_LISTED)} at a time; add --limit 0 for all ${formatCount(s.rejected)}` : ''}):`,
    )
    for (const r of s.firstRejects) lines.push(`  line ${r.line}: ${r.reason}`)
    if (s.rejected > s.firstRejects.length) lines.push(`  ... and ${formatCount(s.rejected - s.firstRejects.length)} more`)
  }
  if (s.unknownStages.length > 0) {
    const fix =
      s.stageOrderSource === 'config'
        ? 'set PULSE_STAGES to include them'
        : `the ${s.stageOrderSource} pipeline's order, saved by pulse sync, takes the place of PULSE_STAGES: add them to that pipeline`
    lines.push(`Stages not in the stage order (${fix}): ${s.unknownStages.join(', ')}.`)
  }
  if (s.lostAtClosedStage.length > 0) {
    const deals = s.lostAtClosedStage.reduce((sum, l) => sum + l.deals, 0)
    const names = s.lostAtClosedStage.map((l) => l.stage).join(' or ')
    lines.push(
      `${formatCount(deals)} lost deal${deals === 1 ? ' has' : 's have'} deal_stage ${names} and no stage_history showing an earlier stage, so the stage ${deals === 1 ? 'it was' : 'they were'} lost at is not known: losses by stage and the funnel cannot place ${deals === 1 ? 'it' : 'them'}. To see where deals leak, export the stage each lost deal was lost at as deal_stage, or add a stage_history column.`,
    )
  }
  if (s.staysKeptFromStore > 0) {
    const one = s.staysKeptFromStore === 1
    lines.push(
      `${formatCount(s.staysKeptFromStore)} deal${one ? ' was' : 's were'} kept as stored, not as the file has ${one ? 'it' : 'them'}: the file dates ${one ? 'its' : 'their'} stage change before ${one ? 'its' : 'their'} stored stage history ends, so its ${one ? 'row is' : 'rows are'} older than what is stored (an older export?), and recording the change would close a stay before it began. Import the newer export, or add a stage_history column, to change ${one ? 'it' : 'them'}.`,
    )
  }
  const moved = s.ownersMovedApart ?? []
  if (moved.length > 0) {
    const one = moved.length === 1
    const shown = moved.slice(0, 3)
    const more = moved.length > shown.length ? `, and ${formatCount(moved.length - shown.length)} more` : ''
    lines.push(
      `${formatCount(moved.length)} sales_rep_id${one ? ' is' : 's are'} a CRM owner's id that the file gives another person (another owner_email): ${shown.map((m) => m.id).join(', ')}${more}. The file's owner${one ? ' takes it' : 's take them'}, and the CRM's ${one ? 'owner and their deals are' : 'owners and their deals are'} stored as ${shown.map((m) => m.key).join(', ')}${more}, so each person sees only their own deals in Slack. If ${one ? 'it is' : 'they are'} the same person, give the owner_email the CRM has for ${one ? 'them' : 'each'}; where the CRM has none, add it there and sync before importing again.`,
    )
  }
  if (s.stageBeforeCreated > 0) {
    const one = s.stageBeforeCreated === 1
    lines.push(
      `${formatCount(s.stageBeforeCreated)} row${one ? ' dates' : 's date'} a stage (stage_entered_date or stage_history) before the deal's created_date: ${one ? 'that stage counts' : 'those stages count'} from the created date, so no deal's time in stage is longer than its age. Export the day each deal entered its stage, on or after its created_date, to count it as it was.`,
    )
  }
  if (s.placeholderDates > 0) {
    const one = s.placeholderDates === 1
    lines.push(
      `${formatCount(s.placeholderDates)} row${one ? ' has' : 's have'} an optional date (last_activity_date, updated_date, stage_entered_date, or an open deal's closed_date) written as 0001-01-01 or 0000-00-00, which some tools write for "no date": ${one ? 'it was' : 'they were'} read as empty, so days idle and time in stage count from the dates the deal has (its last update, stage entry or creation). Export the real date, or leave the cell empty, to say so.`,
    )
  }
  if (s.activityBeforeCreated > 0) {
    const one = s.activityBeforeCreated === 1
    lines.push(
      `${formatCount(s.activityBeforeCreated)} row${one ? ' has' : 's have'} a last_activity_date before ${one ? 'its' : 'their'} created_date (a date carried over from another system?): ${one ? 'its' : 'their'} days idle count from the created date, so no deal is idle longer than it has existed. Export the last activity on or after each deal's created_date to count it as it was.`,
    )
  }
  if (s.activityAfterToday > 0) {
    const one = s.activityAfterToday === 1
    lines.push(
      `${formatCount(s.activityAfterToday)} open deal${one ? ' has' : 's have'} a last_activity_date after today (${s.today}): a day that has not come is a planned activity, not one done, so reports cannot tell how long ${one ? 'it has' : 'they have'} been idle and leave ${one ? 'it' : 'them'} out of the stalled and stale figures until then. Export the date of the last call, email or meeting done as last_activity_date.`,
    )
  }
  if (s.closedAfterToday > 0) {
    const one = s.closedAfterToday === 1
    lines.push(
      `${formatCount(s.closedAfterToday)} won or lost deal${one ? ' has' : 's have'} a closed_date after today (${s.today}): a deal closes on the day it was won or lost, so reports as of today count ${one ? 'it' : 'them'} as still open (in the open pipeline and the stalled and stale figures) and leave ${one ? 'it' : 'them'} out of the win rate until then. Export the day each deal was actually won or lost as closed_date (an expected close date belongs to an open deal).`,
    )
  }
  return lines.join('\n')
}

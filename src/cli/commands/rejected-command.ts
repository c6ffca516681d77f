import type { Command } from 'commander'
import { formatCount, formatCountOf, formatUtcMinute } from '../../analytics/format-figures.js'
import { findRejectedRows, type RejectedRowsOfRun } from '../../db/find-rejected-rows.js'
import { AppError } from '../../errors.js'
import { type CliIo, type CommonOptions, cliConfig, dbOptionOf, emit, usingStore, withDbOption } from '../cli-context.js'
import { parseWholeNumber } from '../parse-whole-number.js'

/** Rows `pulse rejected` lists unless `--limit` says otherwise. */
export const REJECTED_LISTED = 50

/** `pulse rejected --json` when no import has rejected a row. */
const NOTHING_REJECTED = { runId: null, file: null, startedAt: null, rejected: 0, rows: [] }

interface RejectedOptions extends CommonOptions {
  limit: string
}

/** `pulse rejected [RUN]`: the rows a CSV import quarantined, with their line, reason and text. */
export function registerRejectedCommand(program: Command, io: CliIo): void {
  withDbOption(
    program
      .command('rejected')
      .argument('[run]', 'import run id (as `pulse ingest` prints it); default: the latest import that rejected rows')
      .description('list the rows a CSV import quarantined: line, reason and the row as it was')
      .option('--limit <n>', 'rows listed (0 = all)', String(REJECTED_LISTED))
      .option('--json', 'print the rows as JSON')
      .addHelpText('after', '\nExamples:\n  pulse rejected\n  pulse rejected 3 --limit 0 --json'),
  ).action(async (run: string | undefined, options: RejectedOptions) => {
    const runId = run === undefined ? undefined : parseWholeNumber(run, 'The import run', { min: 1, example: 'pulse rejected 3' })
    const limit = parseWholeNumber(options.limit, '--limit', { min: 0, example: '--limit 0 (all)' })
    const found = await usingStore(options, (store) => findRejectedRows(store.db, runId, limit), { existing: true, io })
    if (found === null && runId !== undefined) {
      throw new AppError(
        'not_found',
        `There is no import run ${runId}; \`pulse status${dbOptionOf(options, cliConfig())}\` shows the last import.`,
      )
    }
    if (found === null) {
      // Nothing quarantined is an answer, not an error: the same shape, empty.
      emit(io, options, NOTHING_REJECTED, () => 'No import has rejected a row: there is nothing quarantined.')
      return
    }
    emit(io, options, found, () => formatRejectedRows(found))
  })
}

/** The quarantined rows as a person reads them: the run, then each line, its reason and its text. */
export function formatRejectedRows(r: RejectedRowsOfRun): string {
  const lines = [
    `Import run ${r.runId} (${r.file ?? 'no file'}, ${formatUtcMinute(r.startedAt)}): ${formatCountOf(r.rejected, 'row')} rejected.`,
  ]
  for (const row of r.rows) lines.push(`line ${row.line}: ${row.reason}`, `  ${row.raw}`)
  if (r.rows.length < r.rejected) lines.push(`... and ${formatCount(r.rejected - r.rows.length)} more (--limit 0 lists all).`)
  if (r.rejected > 0) lines.push('Fix these rows in the file and import it again: rows already imported are updated, not repeated.')
  return lines.join('\n')
}

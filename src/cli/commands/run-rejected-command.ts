import { formatCount, formatCountOf, formatUtcMinute } from '../../analytics/format-figures.js'
import { findRejectedRows, findRejectedRun, type RejectedRow, type RejectedRun } from '../../db/find-rejected-rows.js'
import { AppError } from '../../errors.js'
import { cliConfig, dbOptionOf, emit, usingStore } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { listLimit, parseWholeNumber } from '../parse-whole-number.js'
import { REJECTED_LISTED, type RejectedOptions, type registerRejectedCommand } from './rejected-command.js'

/** `pulse rejected --json` when no import has rejected a row. */
const NOTHING_REJECTED = { runId: null, file: null, startedAt: null, rejected: 0, rows: [] }

/** Runs `pulse rejected` with what Commander parsed: the work behind {@link registerRejectedCommand}. */
export async function runRejectedCommand(run: string | undefined, options: RejectedOptions, io: CliIo): Promise<void> {
  const runId = run === undefined ? undefined : parseWholeNumber(run, 'The import run', { min: 1, example: 'pulse rejected 3' })
  const limit = listLimit(options.limit, options.json, REJECTED_LISTED, '--limit 0 (all)')
  await usingStore(
    options,
    async (store) => {
      const found = await findRejectedRun(store.db, runId)
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
      const pages = rejectedPages((after, n) => findRejectedRows(store.db, found.runId, after, n), limit)
      await (options.json ? printRejectedJson(io, found, pages) : printRejectedText(io, found, pages))
    },
    { existing: true, io },
  )
}

/** Rows read from the store at a time: a quarantine of millions of rows is printed without holding it all. */
const PAGE_ROWS = 1000

/** The rows of a run, page by page in line order, `limit` in all (0: every one). */
async function* rejectedPages(
  readPage: (afterLine: number, limit: number) => Promise<RejectedRow[]>,
  limit: number,
): AsyncGenerator<RejectedRow[]> {
  let after = 0
  let left = limit === 0 ? Number.POSITIVE_INFINITY : limit
  while (left > 0) {
    const page = await readPage(after, Math.min(PAGE_ROWS, left))
    if (page.length === 0) return
    yield page
    left -= page.length
    after = (page[page.length - 1] as RejectedRow).line
  }
}

/**
 * `--json`: the run and its rows, written page by page as `JSON.stringify(value, null, 2)` would
 * write them all at once (each `io.out` ends its line).
 */
async function printRejectedJson(io: CliIo, run: RejectedRun, pages: AsyncIterable<RejectedRow[]>): Promise<void> {
  const head = JSON.stringify({ ...run, rows: [] }, null, 2)
  let pending: string | null = null
  for await (const page of pages) {
    const blocks = page.map((row) => indent(JSON.stringify(row, null, 2)))
    // The last row of a page waits for the next: a comma follows it only when another row does.
    if (pending === null) io.out(head.slice(0, head.lastIndexOf('[') + 1))
    else blocks.unshift(pending)
    pending = blocks.pop() as string
    if (blocks.length > 0) io.out(blocks.map((b) => `${b},`).join('\n'))
  }
  if (pending === null) io.out(head)
  else io.out(`${pending}\n  ]\n}`)
}

/** `json` four spaces in, line by line (split at line feeds only: a row's text may hold U+2028, which JSON leaves as it is). */
function indent(json: string): string {
  return json
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')
}

/** The quarantined rows as a person reads them: the run, then each line, its reason and its text, page by page. */
async function printRejectedText(io: CliIo, run: RejectedRun, pages: AsyncIterable<RejectedRow[]>): Promise<void> {
  io.out(
    `Import run ${run.runId} (${run.file ?? 'no file'}, ${formatUtcMinute(run.startedAt)}): ${formatCountOf(run.rejected, 'row')} rejected.`,
  )
  let listed = 0
  for await (const page of pages) {
    io.out(page.map((row) => `line ${row.line}: ${row.reason}\n  ${row.raw}`).join('\n'))
    listed += page.length
  }
  const tail = []
  if (listed < run.rejected) tail.push(`... and ${formatCount(run.rejected - listed)} more (--limit 0 lists all).`)
  if (run.rejected > 0) tail.push('Fix these rows in the file and import it again: rows already imported are updated, not repeated.')
  if (tail.length > 0) io.out(tail.join('\n'))
}

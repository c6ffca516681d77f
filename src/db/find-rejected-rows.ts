import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** One import run that quarantined rows: which file, when, and how many rows it refused. */
export interface RejectedRun {
  runId: number
  file: string | null
  startedAt: string
  /** All rows the run refused. */
  rejected: number
}

/** One quarantined row: its line in the file, why it was refused, and its text. */
export interface RejectedRow {
  line: number
  reason: string
  raw: string
}

/**
 * Import run `runId`, or, when `runId` is undefined, the latest run that quarantined any row.
 * Null when there is no such run (or, without `runId`, no run refused a row).
 */
export async function findRejectedRun(db: Kysely<Database>, runId: number | undefined): Promise<RejectedRun | null> {
  let runs = db.selectFrom('import_runs').select(['run_id', 'file', 'started_at', 'rows_rejected'])
  runs = runId === undefined ? runs.where('rows_rejected', '>', 0).orderBy('run_id', 'desc').limit(1) : runs.where('run_id', '=', runId)
  const run = await runs.executeTakeFirst()
  if (!run) return null
  return { runId: Number(run.run_id), file: run.file, startedAt: run.started_at, rejected: Number(run.rows_rejected) }
}

/**
 * The rows import run `runId` quarantined after line `afterLine`, in line order, at most `limit`
 * (a page: a caller lists a large quarantine page by page, from the last line of the page before).
 * @example findRejectedRows(db, 3, 0, 1000) // the first 1,000 rows run 3 refused
 */
export async function findRejectedRows(db: Kysely<Database>, runId: number, afterLine: number, limit: number): Promise<RejectedRow[]> {
  const rows = await db
    .selectFrom('rejected_rows')
    .select(['line', 'reason', 'raw'])
    .where('run_id', '=', runId)
    .where('line', '>', afterLine)
    .orderBy('line')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ line: Number(r.line), reason: r.reason, raw: r.raw }))
}

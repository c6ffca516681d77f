import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** One import run's quarantined rows: which file, and each row's line, reason and text. */
export interface RejectedRowsOfRun {
  runId: number
  file: string | null
  startedAt: string
  /** All rows the run refused (`rows` may hold fewer, see `limit`). */
  rejected: number
  rows: Array<{ line: number; reason: string; raw: string }>
}

/**
 * The rows import run `runId` quarantined, in line order (at most `limit`, 0 for all), or those
 * of the latest run that quarantined any when `runId` is undefined. Null when there is no such
 * run (or, without `runId`, no run refused a row).
 */
export async function findRejectedRows(db: Kysely<Database>, runId: number | undefined, limit = 0): Promise<RejectedRowsOfRun | null> {
  let runs = db.selectFrom('import_runs').select(['run_id', 'file', 'started_at', 'rows_rejected'])
  runs = runId === undefined ? runs.where('rows_rejected', '>', 0).orderBy('run_id', 'desc').limit(1) : runs.where('run_id', '=', runId)
  const run = await runs.executeTakeFirst()
  if (!run) return null
  let rows = db.selectFrom('rejected_rows').select(['line', 'reason', 'raw']).where('run_id', '=', run.run_id).orderBy('line')
  if (limit > 0) rows = rows.limit(limit)
  return {
    runId: Number(run.run_id),
    file: run.file,
    startedAt: run.started_at,
    rejected: Number(run.rows_rejected),
    rows: (await rows.execute()).map((r) => ({ line: Number(r.line), reason: r.reason, raw: r.raw })),
  }
}

import { spawnSync } from 'node:child_process'
import { closeSync, openSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { removeDb } from './remove-db.js'

/** The tables a deals import writes (the analytics rollup aside). */
const STORE_TABLES = ['deals', 'stage_history'] as const

/** What {@link timeSqliteStoreFloor} measured. */
export interface SqliteStoreFloor {
  /** `sqlite3 .import` of the store's rows into empty tables like the store's, process start to exit. */
  seconds: number
  /** Rows loaded, per table (the same as the store holds, or the figure is not a floor of it). */
  rows: Record<(typeof STORE_TABLES)[number], number>
}

/**
 * A floor under any importer of the same store: the time SQLite's own loader (`sqlite3 .import`,
 * the tool the acceptance compares with) takes to write the rows a 1M import stores, `deals` and
 * `stage_history`, already parsed and checked, into an empty database with the same tables and
 * indexes (and page size), in one transaction. The rows are first exported from `storeDb` as
 * CSV; exporting is not timed. No CSV checks, no derived fields, no analytics rollup: what is left
 * is writing the rows the store must hold, which the raw `.import` into one untyped table does not.
 *
 * @throws Error when the shell fails, or loads another number of rows than the store holds.
 */
export function timeSqliteStoreFloor(shell: string, storeDb: string, workDir: string): SqliteStoreFloor {
  const floorDb = join(workDir, 'store-floor.db')
  const files = STORE_TABLES.map((table) => join(workDir, `store-floor-${table}.csv`))
  removeDb(floorDb)
  try {
    for (const [i, table] of STORE_TABLES.entries()) exportRows(shell, storeDb, table, files[i] as string)
    const schema = runShell(shell, [
      storeDb,
      `SELECT group_concat(sql, ';' || char(10)) || ';' FROM (SELECT sql FROM sqlite_master WHERE tbl_name IN ('deals', 'stage_history') AND sql IS NOT NULL ORDER BY type = 'index', name)`,
    ])
    const pageSize = runShell(shell, [storeDb, 'PRAGMA page_size']).trim()
    runShell(shell, [floorDb, `PRAGMA page_size = ${Number(pageSize)}; ${schema}`])
    const imports = STORE_TABLES.map((table, i) => `.import ${quoteArg(files[i] as string)} ${table}`)
    const started = performance.now()
    runShell(shell, ['-cmd', '.mode csv', floorDb, 'BEGIN', ...imports, 'COMMIT'])
    const seconds = (performance.now() - started) / 1000
    const rows = { deals: countRows(shell, floorDb, 'deals'), stage_history: countRows(shell, floorDb, 'stage_history') }
    for (const table of STORE_TABLES) {
      const stored = countRows(shell, storeDb, table)
      if (rows[table] !== stored) throw new Error(`the floor loaded ${rows[table]} ${table} rows, the store holds ${stored}`)
    }
    return { seconds, rows }
  } finally {
    for (const file of files) rmSync(file, { force: true })
    removeDb(floorDb)
  }
}

/** Writes a table's rows as CSV (no header, columns in table order) with the shell. */
function exportRows(shell: string, db: string, table: string, file: string): void {
  const out = openSync(file, 'w')
  try {
    const result = spawnSync(shell, ['-cmd', '.mode csv', db, `SELECT * FROM ${table}`], { stdio: ['ignore', out, 'pipe'] })
    if (result.status !== 0) throw new Error(`sqlite3 could not export ${table}: ${String(result.stderr).trim()}`)
  } finally {
    closeSync(out)
  }
}

function countRows(shell: string, db: string, table: string): number {
  return Number(runShell(shell, [db, `SELECT count(*) FROM ${table}`]).trim())
}

/** Runs the shell with `args`; its standard output, or an error with its standard error. */
function runShell(shell: string, args: string[]): string {
  const result = spawnSync(shell, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`sqlite3 ${args.at(-1)?.slice(0, 60)} failed: ${String(result.stderr).trim()}`)
  return result.stdout
}

/** A path as one argument of a shell dot-command (double quotes, backslashes and quotes escaped). */
function quoteArg(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

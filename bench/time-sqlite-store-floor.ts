import { spawnSync } from 'node:child_process'
import { closeSync, openSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { removeDb } from './remove-db.js'

/** The tables a deals import writes (the analytics rollup aside). */
const STORE_TABLES = ['deals', 'stage_history'] as const

/**
 * The `deals` columns that hold what a CSV row itself gives (the contract's columns, `stage_history`
 * aside), with their types: the lean floor's `deals` table.
 */
const LEAN_DEAL_COLUMNS = [
  ['deal_id', 'text PRIMARY KEY'],
  ['deal_name', 'text'],
  ['created_date', 'text NOT NULL'],
  ['closed_date', 'text'],
  ['owner_id', 'text NOT NULL'],
  ['owner_email', 'text'],
  ['industry', 'text NOT NULL'],
  ['region', 'text NOT NULL'],
  ['product_type', 'text NOT NULL'],
  ['lead_source', 'text NOT NULL'],
  ['stage', 'text NOT NULL'],
  ['amount', 'double precision NOT NULL'],
  ['currency', 'text'],
  ['sales_cycle_days', 'integer'],
  ['outcome', 'text NOT NULL'],
  ['last_activity_date', 'text'],
  ['updated_date', 'text'],
  ['stage_entered_date', 'text'],
] as const

/** What {@link timeSqliteStoreFloor} measured. */
export interface SqliteStoreFloor {
  /** `sqlite3 .import` of the store's rows into empty tables like the store's, process start to exit. */
  seconds: number
  /**
   * The same for a leaner store: `deals` with only the columns a CSV row gives (keyed by deal id,
   * no derived column, no other index) and `stage_history` as stored. What writing the rows the
   * issue asks for costs SQLite before any column the reports add.
   */
  leanSeconds: number
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
 * Then the same for a leaner store ({@link SqliteStoreFloor.leanSeconds}), whose loaded row counts
 * are checked too.
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
    removeDb(floorDb)
    const leanSeconds = timeLeanLoad(shell, storeDb, floorDb, files, Number(pageSize))
    for (const table of STORE_TABLES) {
      const loaded = countRows(shell, floorDb, table)
      if (loaded !== rows[table]) throw new Error(`the lean floor loaded ${loaded} ${table} rows, the store holds ${rows[table]}`)
    }
    return { seconds, leanSeconds, rows }
  } finally {
    for (const file of files) rmSync(file, { force: true })
    removeDb(floorDb)
  }
}

/**
 * Loads the store's deals, only the {@link LEAN_DEAL_COLUMNS}, and its stage history (already
 * exported to `files[1]`) into `floorDb` with the shell, in one transaction; returns the seconds.
 * The lean deals file replaces `files[0]`.
 */
function timeLeanLoad(shell: string, storeDb: string, floorDb: string, files: string[], pageSize: number): number {
  const [dealsFile, staysFile] = files as [string, string]
  exportRows(shell, storeDb, `(SELECT ${LEAN_DEAL_COLUMNS.map(([c]) => c).join(', ')} FROM deals)`, dealsFile)
  const staysTable = runShell(shell, [storeDb, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stage_history'`]).trim()
  const deals = `CREATE TABLE deals (${LEAN_DEAL_COLUMNS.map(([c, type]) => `${c} ${type}`).join(', ')})`
  runShell(shell, [floorDb, `PRAGMA page_size = ${pageSize}; ${deals}; ${staysTable};`])
  const started = performance.now()
  runShell(shell, [
    '-cmd',
    '.mode csv',
    floorDb,
    'BEGIN',
    `.import ${quoteArg(dealsFile)} deals`,
    `.import ${quoteArg(staysFile)} stage_history`,
    'COMMIT',
  ])
  return (performance.now() - started) / 1000
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

import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeSampleFiles } from '../src/sample/write-sample-files.js'
import type { BenchContext } from './bench-context.js'
import type { IngestChildResult } from './ingest-child.js'
import { removeDb } from './remove-db.js'
import { timeSqliteStoreFloor } from './time-sqlite-store-floor.js'

/** Sizes of the generated samples. */
export const SAMPLE_SIZES = { deals10k: 10_000, deals100k: 100_000, deals1m: 1_000_000 } as const

/** Seed of the benchmark samples (a change regenerates them). */
export const BENCH_SEED = 'bench-1'

/** Acceptance: a 1M-deal ingest takes at most 2.5x `sqlite3 .import` of the same file. */
export const MAX_RATIO_TO_SQLITE = 2.5
/** Acceptance: the peak RSS of a 1M-deal ingest stays under 400 MB. */
export const MAX_INGEST_RSS_MB = 400

/**
 * Writes the 10k / 100k / 1M sample CSVs into `workDir` with the sample generator, reusing a
 * file already there when its stamp (size, seed, as-of, file size) matches.
 */
export function prepareSamples(workDir: string, asOf: string, log: (m: string) => void, generate: boolean): BenchContext['csv'] {
  const out: Record<string, string> = {}
  for (const [key, deals] of Object.entries(SAMPLE_SIZES)) {
    const csv = join(workDir, `${key}.csv`)
    const stampPath = `${csv}.stamp.json`
    const wanted = { deals, seed: BENCH_SEED, asOf }
    const stamp = existsSync(stampPath) ? (JSON.parse(readFileSync(stampPath, 'utf8')) as typeof wanted & { bytes: number }) : null
    const fresh =
      stamp !== null &&
      existsSync(csv) &&
      stamp.deals === deals &&
      stamp.seed === BENCH_SEED &&
      stamp.asOf === asOf &&
      statSync(csv).size === stamp.bytes
    if (!fresh) {
      if (!generate) throw new Error(`--skip-generate: ${csv} is missing or stale; run without --skip-generate once.`)
      const summary = writeSampleFiles({ out: csv, deals, seed: BENCH_SEED, asOf })
      writeFileSync(stampPath, JSON.stringify({ ...wanted, bytes: statSync(csv).size }))
      log(`generated ${csv} (${deals} deals) in ${summary.seconds.toFixed(1)} s`)
    } else {
      log(`reusing ${csv}`)
    }
    out[key] = csv
  }
  return out as unknown as BenchContext['csv']
}

/** Result of one timed import: the child's own figures plus its wall time, start to exit. */
export interface TimedIngest extends IngestChildResult {
  wallSeconds: number
}

/**
 * Imports `csv` into `db` (a SQLite file, or a `postgres://` URL with `schema`) in a child process
 * and times it (process start to exit).
 */
export function ingestInChild(csv: string, db: string, schema?: string): Promise<TimedIngest> {
  const child = fileURLToPath(new URL('./ingest-child.js', import.meta.url))
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, db, csv, ...(schema ? [schema] : [])], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    proc.stdout.on('data', (d) => {
      stdout += d
    })
    proc.on('error', reject)
    proc.on('exit', (code) => {
      const wallSeconds = (performance.now() - started) / 1000
      if (code !== 0) return reject(new Error(`import of ${csv} failed (exit code ${code})`))
      resolve({ ...(JSON.parse(stdout.trim().split('\n').pop() as string) as IngestChildResult), wallSeconds })
    })
  })
}

/**
 * Finds the `sqlite3` shell, installing Debian's package when it is absent and we may.
 * Returns its path, or the reason it is unavailable.
 */
export function findSqliteShell(log: (m: string) => void): { path: string } | { missing: string } {
  const which = spawnSync('sh', ['-c', 'command -v sqlite3'], { encoding: 'utf8' })
  if (which.status === 0 && which.stdout.trim() !== '') return { path: which.stdout.trim() }
  log('sqlite3 is not installed; trying apt-get install -y sqlite3')
  try {
    const asRoot = process.getuid?.() === 0
    const run = (args: string[]) =>
      execFileSync(asRoot ? 'apt-get' : 'sudo', asRoot ? args : ['-n', 'apt-get', ...args], { stdio: 'ignore' })
    run(['update'])
    run(['install', '-y', 'sqlite3'])
  } catch (error) {
    return { missing: `sqlite3 is not installed and apt-get could not install it (${(error as Error).message.split('\n')[0]})` }
  }
  const again = spawnSync('sh', ['-c', 'command -v sqlite3'], { encoding: 'utf8' })
  return again.status === 0 ? { path: again.stdout.trim() } : { missing: 'sqlite3 is still not on PATH after apt-get install' }
}

/** Times `sqlite3 -cmd '.mode csv' DB '.import FILE t'` into a fresh database (process start to exit). */
export function timeSqliteImport(shell: string, csv: string, db: string): number {
  removeDb(db)
  const started = performance.now()
  const result = spawnSync(shell, ['-cmd', '.mode csv', db, `.import ${csv} t`], { stdio: ['ignore', 'ignore', 'pipe'] })
  const seconds = (performance.now() - started) / 1000
  if (result.status !== 0) throw new Error(`sqlite3 .import failed: ${String(result.stderr).trim()}`)
  removeDb(db)
  return seconds
}

/**
 * The ingest section: imports each sample into a fresh database in a child process, re-imports
 * the 1M file into its database, times `sqlite3 .import` of the 1M file, and records the ratio
 * and peak memory against the acceptance. Leaves the 1M database at `ctx.db1m`.
 */
export async function runIngestBench(ctx: BenchContext): Promise<void> {
  const sizes: Array<[keyof BenchContext['csv'], string]> = [
    ['deals10k', '10k'],
    ['deals100k', '100k'],
    ['deals1m', '1M'],
  ]
  let first1m: TimedIngest | undefined
  for (const [key, label] of sizes) {
    const db = key === 'deals1m' ? ctx.db1m : join(ctx.workDir, `ingest-${label}.db`)
    removeDb(db)
    ctx.log(`ingest ${label}: ${ctx.csv[key]}`)
    const r = await ingestInChild(ctx.csv[key], db)
    if (r.rejected !== 0) ctx.log(`warning: ${r.rejected} rows rejected in ${ctx.csv[key]}`)
    ctx.record('ingest', `${label} seconds`, round(r.wallSeconds))
    ctx.record('ingest', `${label} rows/s`, Math.round(r.read / r.wallSeconds))
    ctx.record('ingest', `${label} peak RSS MB`, Math.round(r.maxRssMb))
    if (key === 'deals1m') first1m = r
    else removeDb(db)
  }
  if (!first1m) return
  ctx.record('ingest', '1M import in-process seconds', round(first1m.importSeconds))
  ctx.record('ingest', '1M of which rollup refresh seconds', round(first1m.refreshSeconds))
  ctx.record('ingest', '1M close (checkpoint) seconds', round(first1m.closeSeconds))
  // Where the time goes: the import keeps two cores busy, so its CPU time over two is the
  // shortest it could take with the work as it is, however evenly the threads shared it.
  ctx.record('ingest', '1M CPU seconds, all threads', round(first1m.cpuSeconds))
  if (first1m.mainThreadCpuSeconds !== null) ctx.record('ingest', '1M CPU seconds, writing thread', round(first1m.mainThreadCpuSeconds))
  if (first1m.parserThreadCpuSeconds !== null) ctx.record('ingest', '1M CPU seconds, parser thread', round(first1m.parserThreadCpuSeconds))

  ctx.log('re-import 1M into its own database')
  const again = await ingestInChild(ctx.csv.deals1m, ctx.db1m)
  ctx.record('ingest', '1M re-import seconds', round(again.wallSeconds))
  ctx.record('ingest', '1M re-import rows/s', Math.round(again.read / again.wallSeconds))
  ctx.record('ingest', '1M re-import peak RSS MB', Math.round(again.maxRssMb))
  ctx.record('ingest', '1M re-import updated', again.updated)

  const shell = findSqliteShell(ctx.log)
  if ('missing' in shell) {
    ctx.log(shell.missing)
    ctx.record('ingest', 'sqlite3 .import 1M seconds', 'unavailable')
    return
  }
  ctx.log(`sqlite3 .import of the 1M file (${shell.path})`)
  const sqliteSeconds = timeSqliteImport(shell.path, ctx.csv.deals1m, join(ctx.workDir, 'sqlite3-import.db'))
  const ratio = first1m.wallSeconds / sqliteSeconds
  ctx.record('ingest', 'sqlite3 .import 1M seconds', round(sqliteSeconds))
  ctx.record('ingest', '1M ingest / sqlite3 ratio', round(ratio))
  ctx.record('ingest', `ratio <= ${MAX_RATIO_TO_SQLITE}`, ratio <= MAX_RATIO_TO_SQLITE)
  ctx.record('ingest', '1M CPU seconds / 2 cores / sqlite3 seconds', round(first1m.cpuSeconds / 2 / sqliteSeconds))
  ctx.record('ingest', `peak RSS < ${MAX_INGEST_RSS_MB} MB`, first1m.maxRssMb < MAX_INGEST_RSS_MB && again.maxRssMb < MAX_INGEST_RSS_MB)

  // How much of the ratio is the store's rows themselves: SQLite's own loader writing them, parsed already.
  ctx.log(`sqlite3 .import of the 1M store's own rows into empty tables like the store's (the floor)`)
  const floor = timeSqliteStoreFloor(shell.path, ctx.db1m, ctx.workDir)
  ctx.record('ingest', 'floor: sqlite3 .import of the store rows seconds', round(floor.seconds))
  ctx.record('ingest', 'floor: rows (deals + stage_history)', floor.rows.deals + floor.rows.stage_history)
  ctx.record('ingest', 'floor / sqlite3 ratio', round(floor.seconds / sqliteSeconds))
  ctx.record('ingest', 'lean floor (only the columns a CSV row gives) seconds', round(floor.leanSeconds))
  ctx.record('ingest', 'lean floor / sqlite3 ratio', round(floor.leanSeconds / sqliteSeconds))
  ctx.record('ingest', '1M ingest / floor ratio', round(first1m.wallSeconds / floor.seconds))
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}

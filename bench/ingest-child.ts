/**
 * One CSV import in its own process, so that its peak memory is its own:
 * `node dist/bench/ingest-child.js DB CSV [SCHEMA]` prints one JSON line ({@link IngestChildResult}).
 * DB is a SQLite file, or a `postgres://` URL (then SCHEMA names the PostgreSQL schema to use).
 * The harness (`bench/run-bench.ts`) times the whole process, start to exit.
 */
import { DEFAULT_STAGES } from '../src/config.js'
import { openStore } from '../src/db/open-store.js'
import { importCsvFile } from '../src/ingest/import-csv-file.js'
import { sampleThreadCpu } from './sample-thread-cpu.js'

/** What the child prints. */
export interface IngestChildResult {
  read: number
  inserted: number
  updated: number
  rejected: number
  /** Seconds inside `importCsvFile` (parse, write, index rebuild, commit, refresh of derived data). */
  importSeconds: number
  /** Of which: refreshing derived data after the commit (the analytics rollup). */
  refreshSeconds: number
  /** Seconds to close the store (the WAL checkpoint). */
  closeSeconds: number
  /** Peak resident memory of the process (all threads), MB. */
  maxRssMb: number
  /** CPU seconds (user + system) of the whole process, every thread. */
  cpuSeconds: number
  /** Of which the main thread (the one writing to the store), or null where threads cannot be read. */
  mainThreadCpuSeconds: number | null
  /** Of which the busiest other thread (the CSV parser's worker for a file of 8 MB or more), or null. */
  parserThreadCpuSeconds: number | null
}

async function main(): Promise<void> {
  const [db, csv, schema] = process.argv.slice(2)
  if (!db || !csv) throw new Error('usage: ingest-child.js DB CSV [SCHEMA]')
  const postgres = /^postgres(ql)?:\/\//.test(db)
  const threads = sampleThreadCpu()
  const store = await openStore(postgres ? { path: '', url: db, ...(schema ? { schema } : {}) } : { path: db })
  const summary = await importCsvFile(store, { path: csv, stages: DEFAULT_STAGES })
  const closing = performance.now()
  await store.close()
  const cpu = threads.stop()
  const usage = process.resourceUsage()
  const result: IngestChildResult = {
    read: summary.read,
    inserted: summary.inserted,
    updated: summary.updated,
    rejected: summary.rejected,
    importSeconds: summary.seconds,
    refreshSeconds: summary.refreshSeconds,
    closeSeconds: (performance.now() - closing) / 1000,
    maxRssMb: usage.maxRSS / 1024,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    mainThreadCpuSeconds: cpu?.mainSeconds ?? null,
    parserThreadCpuSeconds: cpu?.busiestOtherSeconds ?? null,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})

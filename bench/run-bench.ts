/**
 * `npm run bench`: the benchmark harness (a script, not a test). It generates the 10k / 100k / 1M
 * sample CSVs into `bench-out/` (reused when already there), runs the ingest section, keeps the
 * 1M database as `ctx.db1m`, then runs every other section present in `bench/`, and prints a
 * table and one JSON line.
 *
 *   npm run bench                                   everything
 *   npm run bench -- --only reports --skip-generate one section, reusing bench-out/
 *
 * Sections: ingest (here), then reports, charts, model, slack, crm, postgres (`bench/<name>-bench.ts`,
 * exporting `run<Name>Bench(ctx)`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchContext } from './bench-context.js'
import { ingestInChild, prepareSamples, runIngestBench } from './ingest-bench.js'
import { removeDb } from './remove-db.js'

/** The "as of" of every benchmark sample (fixed, so bench-out/ can be reused). */
export const BENCH_AS_OF = '2025-06-30'

const SECTIONS = ['ingest', 'reports', 'charts', 'model', 'slack', 'crm', 'postgres'] as const
type Section = (typeof SECTIONS)[number]

interface Args {
  only: Section | undefined
  skipGenerate: boolean
  help: boolean
}

const USAGE = `Usage: npm run bench [-- --only <${SECTIONS.join('|')}>] [--skip-generate]
  (or: npm run build && node --expose-gc dist/bench/run-bench.js [options])

  --only <section>   run one section (the 1M store is reused when its stamp matches)
  --skip-generate    reuse the sample CSVs in bench-out/; fail if one is missing
  -h, --help         show this

Prints a table and one JSON line; see docs/bench.md.
`

/** A mistake in the bench's arguments: printed with the usage, without a stack. */
class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  let only: Section | undefined
  let skipGenerate = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--help' || a === '-h') return { only, skipGenerate, help: true }
    if (a === '--skip-generate') skipGenerate = true
    else if (a === '--only') {
      const name = argv[++i]
      if (!SECTIONS.includes(name as Section)) throw new UsageError(`--only needs one of ${SECTIONS.join(', ')}`)
      only = name as Section
    } else if (a?.startsWith('--only=')) {
      const name = a.slice('--only='.length)
      if (!SECTIONS.includes(name as Section)) throw new UsageError(`--only needs one of ${SECTIONS.join(', ')}`)
      only = name as Section
    } else throw new UsageError(`unknown argument ${a}`)
  }
  return { only, skipGenerate, help: false }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.help) {
    process.stdout.write(USAGE)
    return
  }
  const workDir = resolve('bench-out')
  mkdirSync(workDir, { recursive: true })
  const figures: Array<{ section: string; name: string; value: number | string | boolean }> = []
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`)
  const started = performance.now()

  const csv = prepareSamples(workDir, BENCH_AS_OF, log, !args.skipGenerate)
  const db1m = join(workDir, 'deals-1m.db')
  const ctx: BenchContext = {
    workDir,
    csv,
    db1m,
    asOf: BENCH_AS_OF,
    record: (section, name, value) => {
      figures.push({ section, name, value })
    },
    log,
  }

  // The 1M database is complete only once its stamp names the CSV it came from.
  const dbStamp = `${db1m}.stamp.json`
  const stampText = JSON.stringify({ csv: csv.deals1m, asOf: BENCH_AS_OF, csvStamp: readFileSync(`${csv.deals1m}.stamp.json`, 'utf8') })
  if (args.only === undefined || args.only === 'ingest') {
    removeDb(db1m)
    await runIngestBench(ctx)
    writeFileSync(dbStamp, stampText)
  } else if (!existsSync(dbStamp) || readFileSync(dbStamp, 'utf8') !== stampText || !existsSync(db1m)) {
    log(`building ${db1m} (1M deals) for the ${args.only} section`)
    removeDb(db1m)
    await ingestInChild(csv.deals1m, db1m)
    writeFileSync(dbStamp, stampText)
  }

  for (const section of SECTIONS) {
    if (section === 'ingest' || (args.only !== undefined && args.only !== section)) continue
    const file = fileURLToPath(new URL(`./${section}-bench.js`, import.meta.url))
    if (!existsSync(file)) {
      log(`section ${section}: not present`)
      ctx.record(section, 'status', 'not present')
      continue
    }
    const name = `run${section[0]?.toUpperCase()}${section.slice(1)}Bench`
    const mod = (await import(new URL(`./${section}-bench.js`, import.meta.url).href)) as Record<string, unknown>
    const run = mod[name]
    if (typeof run !== 'function') {
      log(`section ${section}: ${file} does not export ${name}`)
      ctx.record(section, 'status', `missing ${name}`)
      continue
    }
    log(`section ${section}`)
    try {
      await (run as (c: BenchContext) => Promise<void>)(ctx)
    } catch (error) {
      log(`section ${section} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      ctx.record(section, 'status', `failed: ${error instanceof Error ? error.message : String(error)}`)
      process.exitCode = 1
    }
  }

  printTable(figures)
  const json: Record<string, Record<string, number | string | boolean>> = {}
  for (const f of figures) {
    json[f.section] ??= {}
    ;(json[f.section] as Record<string, number | string | boolean>)[f.name] = f.value
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'sales-pulse', asOf: BENCH_AS_OF, seconds: Math.round((performance.now() - started) / 1000), figures: json })}\n`,
  )
}

function printTable(figures: ReadonlyArray<{ section: string; name: string; value: number | string | boolean }>): void {
  const sectionWidth = Math.max(7, ...figures.map((f) => f.section.length))
  const nameWidth = Math.max(6, ...figures.map((f) => f.name.length))
  const lines = [`${'section'.padEnd(sectionWidth)}  ${'figure'.padEnd(nameWidth)}  value`, `${'-'.repeat(sectionWidth + nameWidth + 12)}`]
  for (const f of figures) lines.push(`${f.section.padEnd(sectionWidth)}  ${f.name.padEnd(nameWidth)}  ${String(f.value)}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`[bench] ${error.message}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  process.stderr.write(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})

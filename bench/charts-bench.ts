import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { sampleChartInputs } from '../src/charts/chart-samples.js'
import { buildReportChart, CHART_KINDS, type ChartInputs, type ChartKind, renderReportChart } from '../src/charts/render-report-chart.js'
import { openStore } from '../src/db/open-store.js'
import { loadDriversReport } from '../src/services/load-drivers-report.js'
import { loadFunnelReport } from '../src/services/load-funnel-report.js'
import { loadLossesReport } from '../src/services/load-losses-report.js'
import { loadStalledReport } from '../src/services/load-stalled-report.js'
import { loadWinrateReport } from '../src/services/load-winrate-report.js'
import type { BenchContext } from './bench-context.js'
import { median } from './median.js'
import { runModuleScript } from './run-module-script.js'

/** Budgets from issue 5. */
const WARM_BUDGET_MS = 80
const COLD_BUDGET_MS = 400
const PNG_BUDGET_BYTES = 250_000
const WARM_RUNS = 20

/** One chart's first render in a fresh process, all times from the process's start (`performance.timeOrigin`). */
interface ColdResult {
  kind: ChartKind
  /** Node's own start-up, until the script's first line. */
  bootMs: number
  /** Importing the chart modules (spec builders, renderer; vega itself loads on the first render). */
  importMs: number
  /** The first `renderReportChart` call: loading vega, vega-lite and resvg, parsing the fonts, building, drawing, encoding. */
  firstRenderMs: number
  /** Process start to the first PNG in hand: boot + imports + first render. */
  totalMs: number
  /** CPU time of the whole process until then (all threads, user + system). */
  cpuMs: number
}

/** A server's first chart: `loadChartEngine()` at start-up (load and warm-up), then the chart. */
interface PrimedResult {
  /** `loadChartEngine()`: loading and one warm-up render. */
  loadMs: number
  /** The first real chart after it. */
  firstRenderMs: number
}

/**
 * Charts: for every chart kind, the cold time in a fresh process (process start to the first
 * PNG, with its CPU time and its split into Node's boot, imports and the first render, which loads
 * vega), the first render after `loadChartEngine()` (a server that warms up at start), the warm time (median of 20 renders, spec building included) and the PNG size, against
 * the budgets of 80 ms warm, 400 ms cold and 250 KB. Also how long the event loop was blocked
 * during the warm renders (p99 and max). The report charts draw the 1M-deal database's reports when it exists
 * (the model charts, and every chart without it, draw the built-in samples). Writes each PNG to
 * `workDir/charts/`.
 */
export async function runChartsBench(ctx: BenchContext): Promise<void> {
  const outDir = join(ctx.workDir, 'charts')
  await mkdir(outDir, { recursive: true })
  const samples = await chartInputs(ctx)
  const inputsFile = join(outDir, 'inputs.json')
  await writeFile(inputsFile, JSON.stringify(samples))

  for (const kind of CHART_KINDS) {
    const cold = await measureCold(kind, inputsFile)
    ctx.record('charts', `${kind} cold ms (process start to first PNG)`, round(cold.totalMs))
    ctx.record('charts', `${kind} cold ok (<= ${COLD_BUDGET_MS} ms)`, cold.totalMs <= COLD_BUDGET_MS)
    ctx.record('charts', `${kind} cold cpu ms (whole process)`, round(cold.cpuMs))
    ctx.record(
      'charts',
      `${kind} cold split ms (boot / imports / first render)`,
      `${round(cold.bootMs)} / ${round(cold.importMs)} / ${round(cold.firstRenderMs)}`,
    )
    ctx.log(
      `charts: ${kind} cold: ${round(cold.totalMs)} ms to the first PNG (boot ${round(cold.bootMs)}, imports ${round(cold.importMs)}, ` +
        `first render ${round(cold.firstRenderMs)}), cpu ${round(cold.cpuMs)} ms`,
    )
    const primed = await measurePrimed(kind, inputsFile)
    ctx.record('charts', `${kind} first render after loadChartEngine() ms`, round(primed.firstRenderMs))
    ctx.record('charts', `${kind} loadChartEngine() ms (load + warm-up)`, round(primed.loadMs))
  }

  const delay = monitorEventLoopDelay({ resolution: 5 })
  for (const kind of CHART_KINDS) {
    const input = samples[kind]
    const times: number[] = []
    const cpuTimes: number[] = []
    let bytes = 0
    let png: Buffer | undefined
    await renderReportChart(kind, input)
    delay.enable()
    for (let i = 0; i < WARM_RUNS; i++) {
      const start = performance.now()
      const cpu = process.cpuUsage()
      const chart = await renderReportChart(kind, input)
      times.push(performance.now() - start)
      const used = process.cpuUsage(cpu)
      // CPU of every thread of this process (resvg and zlib work on the thread pool): steadier than wall time on a busy machine.
      cpuTimes.push((used.user + used.system) / 1000)
      bytes = chart.png.length
      png = chart.png
    }
    delay.disable()
    const warm = median(times)
    if (png) await writeFile(join(outDir, `${kind}.png`), png)
    ctx.record('charts', `${kind} warm ms (median of ${WARM_RUNS})`, round(warm))
    ctx.record('charts', `${kind} warm ok (<= ${WARM_BUDGET_MS} ms)`, warm <= WARM_BUDGET_MS)
    ctx.record('charts', `${kind} warm cpu ms (median)`, round(median(cpuTimes)))
    ctx.record('charts', `${kind} png KB`, round(bytes / 1000))
    ctx.record('charts', `${kind} png ok (<= ${PNG_BUDGET_BYTES / 1000} KB)`, bytes <= PNG_BUDGET_BYTES)
    ctx.log(`charts: ${kind} warm median ${round(warm)} ms (cpu ${round(median(cpuTimes))} ms), PNG ${round(bytes / 1000)} KB`)
  }
  // vega's compile and dataflow run on the main thread (resvg and zlib do not): p99 is the typical worst case, max includes GC and scheduling.
  ctx.record('charts', 'event-loop delay p99 during warm renders ms', round(delay.percentile(99) / 1e6))
  ctx.record('charts', 'event-loop delay max during warm renders ms', round(delay.max / 1e6))
  // Spec building alone, for reference: pure and fast.
  const start = performance.now()
  for (const kind of CHART_KINDS) buildReportChart(kind, samples[kind])
  ctx.record('charts', 'build all specs ms', round(performance.now() - start))
}

/** The 1M-deal database's reports when it exists, else the samples; model charts always use samples. */
async function chartInputs(ctx: BenchContext): Promise<ChartInputs> {
  const samples = sampleChartInputs()
  if (!ctx.db1m || !existsSync(ctx.db1m)) {
    ctx.record('charts', 'inputs', 'samples')
    return samples
  }
  try {
    // Opened read-write so the store's migrations (e.g. analytics roll-ups) are applied first.
    const store = await openStore({ path: ctx.db1m })
    try {
      const query = { asOf: ctx.asOf }
      const inputs: ChartInputs = {
        ...samples,
        winrate: await loadWinrateReport(store.db, { ...query, months: 12 }),
        losses: await loadLossesReport(store.db, query),
        funnel: await loadFunnelReport(store.db, query),
        drivers: await loadDriversReport(store.db, query),
        stalled: await loadStalledReport(store.db, query),
      }
      ctx.record('charts', 'inputs', '1M-deal reports + sample model inputs')
      return inputs
    } finally {
      await store.close()
    }
  } catch (error) {
    ctx.log(`charts: could not load the 1M-deal reports (${(error as Error).message}); drawing the samples`)
    ctx.record('charts', 'inputs', 'samples (1M-deal reports failed to load)')
    return samples
  }
}

/** Runs one chart's first render in a fresh Node process (same loaders as this one, so it works from `dist/` and under tsx). */
function measureCold(kind: ChartKind, inputsFile: string): Promise<ColdResult> {
  const script = `
    const bootMs = performance.now()
    const { renderReportChart } = await import(${JSON.stringify(chartModuleUrl('render-report-chart'))})
    const { readFileSync } = await import('node:fs')
    const input = JSON.parse(readFileSync(${JSON.stringify(inputsFile)}, 'utf8'))[${JSON.stringify(kind)}]
    const t1 = performance.now()
    const chart = await renderReportChart(${JSON.stringify(kind)}, input)
    const totalMs = performance.now()
    const cpu = process.cpuUsage()
    if (chart.png.length === 0) throw new Error('empty PNG')
    process.stdout.write(JSON.stringify({ bootMs, importMs: t1 - bootMs, firstRenderMs: totalMs - t1, totalMs, cpuMs: (cpu.user + cpu.system) / 1000 }))
  `
  return runModuleScript<Omit<ColdResult, 'kind'>>(script, `cold chart run for ${kind}`).then((r) => ({ kind, ...r }))
}

/** A fresh process that calls `loadChartEngine()` first, as the Slack server does at start-up, then draws one chart. */
function measurePrimed(kind: ChartKind, inputsFile: string): Promise<PrimedResult> {
  const script = `
    const { renderReportChart } = await import(${JSON.stringify(chartModuleUrl('render-report-chart'))})
    const { loadChartEngine } = await import(${JSON.stringify(chartModuleUrl('render-chart'))})
    const { readFileSync } = await import('node:fs')
    const input = JSON.parse(readFileSync(${JSON.stringify(inputsFile)}, 'utf8'))[${JSON.stringify(kind)}]
    const t0 = performance.now()
    await loadChartEngine()
    const t1 = performance.now()
    await renderReportChart(${JSON.stringify(kind)}, input)
    process.stdout.write(JSON.stringify({ loadMs: t1 - t0, firstRenderMs: performance.now() - t1 }))
  `
  return runModuleScript<PrimedResult>(script, `cold chart run for ${kind}`)
}

function chartModuleUrl(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`../src/charts/${name}${ext}`, import.meta.url).href
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

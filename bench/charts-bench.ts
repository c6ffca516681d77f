import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { sampleChartInputs } from '../src/charts/chart-samples.js'
import { buildReportChart, CHART_KINDS, type ChartKind, renderReportChart } from '../src/charts/render-report-chart.js'
import type { BenchContext } from './bench-context.js'

/** Budgets from issue 5. */
const WARM_BUDGET_MS = 80
const COLD_BUDGET_MS = 400
const PNG_BUDGET_BYTES = 250_000
const WARM_RUNS = 20

interface ColdResult {
  kind: ChartKind
  /** Importing vega, vega-lite and resvg and installing the font metrics. */
  loadMs: number
  /** The first render of this chart in the process, after the load. */
  firstRenderMs: number
}

/**
 * Charts: for every chart kind, the cold time in a fresh process (engine load, then first
 * render), the warm time (median of 20 renders, spec building included) and the PNG size, against
 * the budgets of 80 ms warm, 400 ms cold and 250 KB. Also the longest the event loop was blocked
 * during the warm renders. Writes each PNG to `workDir/charts/`.
 */
export async function runChartsBench(ctx: BenchContext): Promise<void> {
  const samples = sampleChartInputs()
  const outDir = join(ctx.workDir, 'charts')
  await mkdir(outDir, { recursive: true })

  for (const kind of CHART_KINDS) {
    const cold = await measureCold(kind)
    ctx.record('charts', `${kind} engine load ms (fresh process)`, round(cold.loadMs))
    ctx.record('charts', `${kind} cold ms (first render)`, round(cold.firstRenderMs))
    ctx.record('charts', `${kind} cold ok (<= ${COLD_BUDGET_MS} ms)`, cold.firstRenderMs <= COLD_BUDGET_MS)
    ctx.log(`charts: ${kind} cold: load ${round(cold.loadMs)} ms + first render ${round(cold.firstRenderMs)} ms`)
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
  ctx.record('charts', 'max event-loop block during warm renders ms', round(delay.max / 1e6))
  // Spec building alone, for reference: pure and fast.
  const start = performance.now()
  for (const kind of CHART_KINDS) buildReportChart(kind, samples[kind])
  ctx.record('charts', 'build all specs ms', round(performance.now() - start))
}

/** Runs one chart's first render in a fresh Node process (same loaders as this one, so it works from `dist/` and under tsx). */
function measureCold(kind: ChartKind): Promise<ColdResult> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  const url = (name: string) => new URL(`../src/charts/${name}${ext}`, import.meta.url).href
  const moduleUrl = url('render-report-chart')
  const samplesUrl = url('chart-samples')
  const renderUrl = url('render-chart')
  const script = `
    const { renderReportChart } = await import(${JSON.stringify(moduleUrl)})
    const { sampleChartInputs } = await import(${JSON.stringify(samplesUrl)})
    const { loadChartEngine } = await import(${JSON.stringify(renderUrl)})
    const input = sampleChartInputs()[${JSON.stringify(kind)}]
    const t0 = performance.now()
    await loadChartEngine()
    const t1 = performance.now()
    await renderReportChart(${JSON.stringify(kind)}, input)
    const t2 = performance.now()
    process.stdout.write(JSON.stringify({ loadMs: t1 - t0, firstRenderMs: t2 - t1 }))
  `
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`cold chart run for ${kind} exited with ${code}`))
      const parsed = JSON.parse(out) as Omit<ColdResult, 'kind'>
      resolve({ kind, ...parsed })
    })
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

import type { ReportQuery } from '../src/analytics/report-types.js'
import { openStore, type Store } from '../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../src/db/refresh-analytics-rollup.js'
import { findingsSummary } from '../src/services/findings-summary.js'
import { loadDriversReport } from '../src/services/load-drivers-report.js'
import { loadFunnelReport } from '../src/services/load-funnel-report.js'
import { loadLossesReport } from '../src/services/load-losses-report.js'
import { loadStalledReport } from '../src/services/load-stalled-report.js'
import { loadTimeInStageReport } from '../src/services/load-time-in-stage-report.js'
import { loadWinrateReport } from '../src/services/load-winrate-report.js'
import type { BenchContext } from './bench-context.js'
import { median } from './median.js'
import { runModuleScript } from './run-module-script.js'

/** Budgets from issue 3. */
const WARM_BUDGET_MS = 150
const COLD_BUDGET_MS = 1000
const RSS_BUDGET_MB = 400
const WARM_RUNS = 20

/** Every report as the CLI computes it (funnel with its time-in-stage table), plus a filtered win rate. */
export const BENCH_REPORTS = ['winrate', 'winrate-emea', 'losses', 'funnel', 'drivers', 'stalled', 'summary'] as const
/** One of {@link BENCH_REPORTS}. */
export type BenchReport = (typeof BENCH_REPORTS)[number]

/** Computes one report on `store` as of `asOf`. */
export async function computeBenchReport(store: Store, name: BenchReport, asOf: string): Promise<unknown> {
  const q: ReportQuery = { asOf }
  switch (name) {
    case 'winrate':
      return loadWinrateReport(store.db, { ...q, months: 12 })
    case 'winrate-emea':
      return loadWinrateReport(store.db, { ...q, months: 12, where: { region: 'EMEA' } })
    case 'losses':
      return loadLossesReport(store.db, q)
    case 'funnel':
      return Promise.all([loadFunnelReport(store.db, q), loadTimeInStageReport(store.db, q)])
    case 'drivers':
      return loadDriversReport(store.db, q)
    case 'stalled':
      return loadStalledReport(store.db, q)
    case 'summary':
      return findingsSummary(store.db, q)
  }
}

/**
 * Reports on the 1M-deal database: the time of one rollup rebuild (as every import ends with),
 * then for each report the cold time (first run in a fresh process on a freshly opened store) and the warm time (median of 20 runs in this process), against 1 s
 * and 150 ms; and the largest RSS of this process and of the cold processes, against 400 MB.
 */
export async function runReportsBench(ctx: BenchContext): Promise<void> {
  // The rollup is rebuilt by every import (the harness's ingest); time one rebuild for the record.
  const writer = await openStore({ path: ctx.db1m })
  try {
    const start = performance.now()
    const built = await refreshAnalyticsRollup(writer)
    ctx.record('reports', 'rollup rebuild s (1M deals: after a re-import or a sync)', round((performance.now() - start) / 1000))
    ctx.record('reports', 'rollup built', built)
  } finally {
    await writer.close()
  }
  let maxColdRss = 0
  for (const name of BENCH_REPORTS) {
    const cold = await measureCold(ctx.db1m, name, ctx.asOf)
    maxColdRss = Math.max(maxColdRss, cold.rssMb)
    ctx.record('reports', `${name} cold ms`, round(cold.ms))
    ctx.record('reports', `${name} cold ok (<= ${COLD_BUDGET_MS} ms)`, cold.ms <= COLD_BUDGET_MS)
    ctx.log(`reports: ${name} cold ${round(cold.ms)} ms (open ${round(cold.openMs)} ms, rss ${round(cold.rssMb)} MB)`)
  }
  const store = await openStore({ path: ctx.db1m })
  let maxRss = process.memoryUsage().rss
  try {
    for (const name of BENCH_REPORTS) {
      await computeBenchReport(store, name, ctx.asOf)
      const times: number[] = []
      for (let i = 0; i < WARM_RUNS; i++) {
        const start = performance.now()
        await computeBenchReport(store, name, ctx.asOf)
        times.push(performance.now() - start)
        maxRss = Math.max(maxRss, process.memoryUsage().rss)
      }
      const warm = median(times)
      ctx.record('reports', `${name} warm ms (median of ${WARM_RUNS})`, round(warm))
      ctx.record('reports', `${name} warm ok (<= ${WARM_BUDGET_MS} ms)`, warm <= WARM_BUDGET_MS)
      ctx.log(`reports: ${name} warm median ${round(warm)} ms`)
    }
  } finally {
    await store.close()
  }
  const rssMb = Math.max(maxRss / 1e6, maxColdRss)
  ctx.record('reports', 'max rss MB', round(rssMb))
  ctx.record('reports', `rss ok (<= ${RSS_BUDGET_MB} MB)`, rssMb <= RSS_BUDGET_MB)
}

/** One report's first run in a fresh Node process (same loaders as this one, so it works from `dist/` and under tsx). */
function measureCold(db: string, name: BenchReport, asOf: string): Promise<{ ms: number; openMs: number; rssMb: number }> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  const benchUrl = new URL(`./reports-bench${ext}`, import.meta.url).href
  const storeUrl = new URL(`../src/db/open-store${ext}`, import.meta.url).href
  const script = `
    const { computeBenchReport } = await import(${JSON.stringify(benchUrl)})
    const { openStore } = await import(${JSON.stringify(storeUrl)})
    const t0 = performance.now()
    const store = await openStore({ path: ${JSON.stringify(db)} })
    const t1 = performance.now()
    await computeBenchReport(store, ${JSON.stringify(name)}, ${JSON.stringify(asOf)})
    const t2 = performance.now()
    await store.close()
    process.stdout.write(JSON.stringify({ openMs: t1 - t0, ms: t2 - t1, rssMb: process.memoryUsage().rss / 1e6 }))
  `
  return runModuleScript(script, `cold report run for ${name}`)
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_STAGES } from '../src/config.js'
import { findOpenScoringDeals } from '../src/db/find-open-scoring-deals.js'
import { openStore } from '../src/db/open-store.js'
import { importCsvFile } from '../src/ingest/import-csv-file.js'
import { scoreDeals } from '../src/model/score-deals.js'
import { writeSampleFiles } from '../src/sample/write-sample-files.js'
import { retrainModel } from '../src/services/retrain-model.js'
import { loadCurrentModel, loadScoringContext, scoreOpenDeals } from '../src/services/score-open-deals.js'
import type { BenchContext } from './bench-context.js'

/** Budgets from issue 4. */
const TRAIN_BUDGET_S = 15
const SCORE_BUDGET_S = 2
const CLOSED_DEALS = 100_000
const OPEN_DEALS = 100_000

/**
 * Model: training on 100k closed deals (`retrainModel`, end to end: reading the store, choosing the
 * settings, the time-split test with a 1,000-resample bootstrap, the refit, the registry write) and
 * scoring 100k open deals (`scoreOpenDeals` end to end including storing the scores, then the read
 * and the pure scoring step alone), each as wall and CPU time (CPU shows the work on a busy machine,
 * wall the wait). The closed deals come from a `pulse sample` file; the open ones are the
 * same rows re-imported as open deals under new ids.
 */
export async function runModelBench(ctx: BenchContext): Promise<void> {
  const section = 'model'
  // ~7% of sample deals are still open: generate enough for 100k closed ones.
  const sample = join(ctx.workDir, 'model-sample.csv')
  const summary = writeSampleFiles({ out: sample, deals: Math.round(CLOSED_DEALS / 0.925), seed: 'model-bench', asOf: ctx.asOf })
  const openCsv = join(ctx.workDir, 'model-open.csv')
  writeFileSync(openCsv, asOpenDeals(readFileSync(sample, 'utf8'), OPEN_DEALS))
  const store = await openStore({ path: join(ctx.workDir, 'model-bench.db') })
  try {
    ctx.log(`model: importing ${summary.deals} sample deals and ${OPEN_DEALS} open deals`)
    await importCsvFile(store, { path: sample, map: new Map(), stages: DEFAULT_STAGES, startedBy: 'bench' })
    await importCsvFile(store, { path: openCsv, map: new Map(), stages: DEFAULT_STAGES, startedBy: 'bench' })

    ctx.log('model: training')
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    const trained = await retrainModel(store, { asOf: ctx.asOf, staleDays: 30 })
    const trainS = (performance.now() - t0) / 1000
    const trainCpuS = cpuSeconds(c0)
    ctx.record(section, 'closed deals', summary.won + summary.lost)
    ctx.record(section, 'train+test deals (non-stale)', trained.nTrain + trained.nTest)
    ctx.record(section, 'train s', round(trainS))
    ctx.record(section, 'train cpu s', round(trainCpuS))
    ctx.record(section, 'train within 15 s', trainS <= TRAIN_BUDGET_S)
    ctx.record(section, 'test AUC', round(trained.auc))
    ctx.record(section, 'informative', trained.informative)

    ctx.log('model: scoring')
    const t1 = performance.now()
    const c1 = process.cpuUsage()
    const report = await scoreOpenDeals(store, { asOf: ctx.asOf, idleDays: 14 })
    const scoreS = (performance.now() - t1) / 1000
    const scoreCpuS = cpuSeconds(c1)
    const current = await loadCurrentModel(store.db)
    const tRead = performance.now()
    const cRead = process.cpuUsage()
    const open = await findOpenScoringDeals(store.db)
    const readS = (performance.now() - tRead) / 1000
    const readCpuS = cpuSeconds(cRead)
    const context = await loadScoringContext(store.db, ctx.asOf, 14)
    const t2 = performance.now()
    const c2 = process.cpuUsage()
    scoreDeals(current.engine, open, context)
    const pureS = (performance.now() - t2) / 1000
    const pureCpuS = cpuSeconds(c2)
    ctx.record(section, 'open deals scored', report.deals.length)
    ctx.record(section, 'score s (read, score, store)', round(scoreS))
    ctx.record(section, 'score cpu s (read, score, store)', round(scoreCpuS))
    ctx.record(section, 'score s (read step only)', round(readS))
    ctx.record(section, 'score cpu s (read step only)', round(readCpuS))
    ctx.record(section, 'score s (scoring step only)', round(pureS))
    ctx.record(section, 'score cpu s (scoring step only)', round(pureCpuS))
    ctx.record(section, 'score within 2 s', scoreS <= SCORE_BUDGET_S)
  } finally {
    await store.close()
  }
}

// The sample's rows (plain CSV, no quoted fields) turned into `count` open deals with new ids.
function asOpenDeals(csv: string, count: number): string {
  const lines = csv.split('\n')
  const header = lines[0] as string
  const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]))
  const out = [header]
  for (let i = 1; i < lines.length && out.length <= count; i++) {
    const f = (lines[i] as string).split(',')
    if (f.length < 5) continue
    f[col.deal_id as number] = `OPEN-${f[col.deal_id as number]}`
    f[col.closed_date as number] = ''
    f[col.sales_cycle_days as number] = ''
    f[col.outcome as number] = 'Open'
    if (f[col.deal_stage as number] === 'Closed') f[col.deal_stage as number] = 'Negotiation'
    f[col.stage_history as number] = ''
    out.push(f.join(','))
  }
  return `${out.join('\n')}\n`
}

// CPU time of this process since `start`: on a busy machine it shows the work, the wall time the wait.
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start)
  return (d.user + d.system) / 1e6
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatCount, formatMoneyIn } from '../analytics/format-figures.js'
import type { FindingsSummary, ReportQuery } from '../analytics/report-types.js'
import { reliabilityFromTable } from '../charts/model-chart-inputs.js'
import { type ChartInputs, type ChartKind, renderReportChart } from '../charts/render-report-chart.js'
import type { Config } from '../config.js'
import { findOpenDealsByHealth } from '../db/find-slack-deals.js'
import type { Store } from '../db/open-store.js'
import { AppError } from '../errors.js'
import { type CsvImportSummary, importCsvFile } from '../ingest/import-csv-file.js'
import { recentShiftSentence } from '../model/recent-rate-shift.js'
import type { DealScore } from '../model/score-deals.js'
import { SAMPLE_STAGES } from '../sample/sample-profile.js'
import { type SampleSummary, writeSampleFiles } from '../sample/write-sample-files.js'
import { findingsSummary } from '../services/findings-summary.js'
import { loadDriversReport } from '../services/load-drivers-report.js'
import { loadFunnelReport } from '../services/load-funnel-report.js'
import { loadLossesReport } from '../services/load-losses-report.js'
import { loadStalledReport } from '../services/load-stalled-report.js'
import { loadTimeInStageReport } from '../services/load-time-in-stage-report.js'
import { loadWinrateReport } from '../services/load-winrate-report.js'
import { retrainModel, type TrainResult } from '../services/retrain-model.js'
import { type ScoreReport, scoreOpenDeals } from '../services/score-open-deals.js'
import { DEMO_SAMPLE_FILE } from './reset-demo-store.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  outDir: string
  asOf: string
  seed: string
  deals: number
  config: Config
  /** Progress lines (stderr in the CLI). */
  progress: (line: string) => void
}

/** What the demo produced. */
export interface DemoResult {
  sample: SampleSummary
  imported: CsvImportSummary
  summary: FindingsSummary
  model: TrainResult
  scores: ScoreReport
  /** High-value open deals (amount >= the alert amount), least healthy first: the ones the summary lists. */
  atRisk: AtRiskDeal[]
  files: string[]
  /** The CRO's summary as printed. */
  text: string
}

/** An open deal the CRO's summary lists: its score with the facts that make it worth a look. */
export interface AtRiskDeal extends DealScore {
  name: string | null
  amount: number
  /** The deal's currency as stored (null: not stated, written as dollars). */
  currency: string | null
  stage: string
}

/**
 * The whole pipeline on generated data: sample -> import -> every report -> train -> score ->
 * every chart, writing JSON and PNG files into `outDir` and returning the CRO's summary.
 * `pulse demo` gives it a fresh store each run (`resetDemoStore`), so the figures are those of
 * the sample written now.
 */
export async function runDemo(store: Store, options: DemoOptions): Promise<DemoResult> {
  const { outDir, asOf, progress } = options
  writingInto(outDir, () => mkdirSync(outDir, { recursive: true }))
  const files: string[] = []
  const write = (name: string, data: string | Buffer) => {
    const path = join(outDir, name)
    writingInto(path, () => writeFileSync(path, data))
    files.push(path)
  }

  progress(`Generating ${options.deals} sample deals as of ${asOf} ...`)
  const samplePath = join(outDir, DEMO_SAMPLE_FILE)
  const sample = writingInto(samplePath, () => writeSampleFiles({ out: samplePath, deals: options.deals, seed: options.seed, asOf }))
  files.push(sample.csv, sample.truth, sample.roster)

  progress('Importing them ...')
  // The sample's own pipeline, not PULSE_STAGES: an order set for the user's CRM names stages no
  // sample deal is in, which would leave the funnel and the losses without them.
  const imported = await importCsvFile(store, { path: sample.csv, stages: SAMPLE_STAGES })

  progress('Running the reports ...')
  const query: ReportQuery = {
    asOf,
    rules: { alertAmount: options.config.alertAmount, idleDays: options.config.idleDays, staleDays: options.config.staleDays },
  }
  const [winrate, losses, funnel, drivers, stalled, timeInStage, summary] = await Promise.all([
    loadWinrateReport(store.db, { ...query, months: 18 }),
    loadLossesReport(store.db, query),
    loadFunnelReport(store.db, query),
    loadDriversReport(store.db, query),
    loadStalledReport(store.db, query),
    loadTimeInStageReport(store.db, query),
    findingsSummary(store.db, query),
  ])
  write('winrate.json', json(winrate))
  write('losses.json', json(losses))
  write('funnel.json', json(funnel))
  write('drivers.json', json(drivers))
  write('stalled.json', json(stalled))
  write('time-in-stage.json', json(timeInStage))
  write('findings.json', json(summary))

  progress('Training the win-probability model ...')
  const model = await retrainModel(store, { asOf, staleDays: options.config.staleDays })
  write('train.json', json(model))
  progress('Scoring open deals ...')
  const scores = await scoreOpenDeals(store, { asOf, idleDays: options.config.idleDays })
  write('score.json', json(scores))
  const atRisk = await highValueAtRisk(store, scores, options.config.alertAmount)

  progress('Drawing the charts ...')
  const charts: { [K in ChartKind]: ChartInputs[K] } = {
    winrate,
    losses,
    funnel,
    drivers,
    stalled,
    reliability: reliabilityFromTable(model.reliability, model.informative, model.recentShift),
    healthScores: { scores: scores.deals.map((d) => d.healthScore), informative: scores.informative },
  }
  for (const kind of Object.keys(charts) as ChartKind[]) {
    const chart = await renderReportChart(kind, charts[kind] as never)
    write(`${kebab(kind)}.png`, chart.png)
  }

  const text = croSummary({ sample, imported, summary, model, scores, atRisk, files })
  write('summary.txt', `${text}\n`)
  return { sample, imported, summary, model, scores, atRisk, files, text }
}

/** The summary a CRO reads first: findings, then the model's honesty line, then deals at risk. */
export function croSummary(r: Omit<DemoResult, 'text'>): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`
  const lines = [
    `Sales Pulse, as of ${r.summary.asOf}: ${formatCount(r.imported.read)} deals (${formatCount(r.sample.won)} won, ${formatCount(r.sample.lost)} lost, ${formatCount(r.sample.open)} open).`,
    '',
    'What changed (* a finding to act on, - context):',
    ...r.summary.findings.map((f) => `  ${f.significant ? '*' : '-'} ${f.text}`),
    '',
    `Win-probability model: ${r.model.verdict}${r.model.recentShift === null || !r.model.informative ? '' : ` ${recentShiftSentence(r.model.recentShift, true)}`}`,
    '',
    r.atRisk.length > 0
      ? 'High-value deals that need a human now (least healthy first):'
      : 'No high-value open deal has a health score yet.',
  ]
  for (const d of r.atRisk) {
    const chance = r.scores.informative ? `win chance ${pct(d.winProbability)}` : `similar deals win ${pct(d.winProbability)}`
    const what = `${d.name ? `${d.name}, ` : ''}${formatMoneyIn(d.amount, d.currency)}, ${d.stage}`
    lines.push(`  - ${d.dealId} (${what}): health ${d.healthScore}/100, ${chance}. ${d.reasons.slice(0, 2).join('; ')}`)
  }
  lines.push(
    '',
    `Charts and JSON: ${r.files.filter((f) => f.endsWith('.png')).length} PNG charts and the report JSON files are in the output folder.`,
  )
  return lines.join('\n')
}

/** The five least healthy open deals worth at least `alertAmount` (the stalled-deal threshold), with their name, amount and stage. */
async function highValueAtRisk(store: Store, scores: ScoreReport, alertAmount: number): Promise<AtRiskDeal[]> {
  const byId = new Map(scores.deals.map((d) => [d.dealId, d]))
  const rows = await findOpenDealsByHealth(store.db, undefined, scores.modelId, Math.max(scores.deals.length, 1))
  const out: AtRiskDeal[] = []
  for (const row of rows) {
    const score = byId.get(row.deal_id)
    if (!score || row.amount < alertAmount) continue
    out.push({ ...score, name: row.deal_name, amount: row.amount, currency: row.currency, stage: row.stage })
    if (out.length === 5) break
  }
  return out
}

/**
 * Runs `write`, which writes `path` (the demo's output folder or a file in it). A file system refusal
 * (a folder where a file goes, no permission, a full disk) is the user's to fix, so it becomes a
 * `bad_file` error naming the path and the way out, not an unexplained failure of the app.
 */
function writingInto<T>(path: string, write: () => T): T {
  try {
    return write()
  } catch (error) {
    if (error instanceof AppError) throw error
    throw new AppError(
      'bad_file',
      `Cannot write ${path}: ${(error as Error).message}. Move what is in the way, or give --out a folder you can write to.`,
      { cause: error },
    )
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatCount } from '../../analytics/format-figures.js'
import { driversText, funnelText, lossesText, stalledText, summaryText, winrateText } from '../../analytics/report-text.js'
import {
  DEFAULT_STALLED_LIMIT,
  type ReportFilters,
  type ReportQuery,
  SEGMENT_FIELDS,
  type SegmentField,
} from '../../analytics/report-types.js'
import type { ChartInputs, ChartKind } from '../../charts/render-report-chart.js'
import { type Config, todayOf } from '../../config.js'
import { countDeals } from '../../db/count-deals.js'
import { findMonthlyRollupSlice, findRollupSlice } from '../../db/find-rollup-slice.js'
import { isRollupStale } from '../../db/is-rollup-stale.js'
import type { Store } from '../../db/open-store.js'
import { FILTER_AMOUNT_BANDS } from '../../domain/amount-band.js'
import { AppError } from '../../errors.js'
import { configuredStages } from '../../services/configured-stages.js'
import { findingsSummary } from '../../services/findings-summary.js'
import { loadDriversReport } from '../../services/load-drivers-report.js'
import { loadFunnelReport } from '../../services/load-funnel-report.js'
import { loadLossesReport } from '../../services/load-losses-report.js'
import { loadStalledReport } from '../../services/load-stalled-report.js'
import { loadTimeInStageReport } from '../../services/load-time-in-stage-report.js'
import { loadWinrateReport } from '../../services/load-winrate-report.js'
import { matchFilterValues, spellingsNote } from '../../services/match-filter-values.js'
import { emit, noteFutureAsOf, resolveAsOf, usingStore } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { listLimit, parseWholeNumber } from '../parse-whole-number.js'
import { shellArg } from '../shell-arg.js'
import type { ReportOptions } from './report-command.js'

/** What a report run yields: JSON, text, and (for charted reports) the chart's input. */
interface ReportResult {
  json: unknown
  text: () => string
  chart?: { [K in ChartKind]: { kind: K; input: ChartInputs[K] } }[ChartKind]
}

/** A report subcommand: how to compute it and how to print it. */
interface ReportSpec {
  name: string
  run(store: Store, query: ReportQuery, options: ReportOptions): Promise<ReportResult>
}

const SPECS: ReportSpec[] = [
  {
    name: 'winrate',
    async run(store, query, options) {
      const months = options.months === undefined ? 12 : parseWholeNumber(options.months, '--months', { min: 1, example: '--months 12' })
      const report = await loadWinrateReport(store.db, { ...query, months })
      return { json: report, text: () => winrateText(report), chart: { kind: 'winrate', input: report } }
    },
  },
  {
    name: 'losses',
    async run(store, query) {
      const report = await loadLossesReport(store.db, query)
      return { json: report, text: () => lossesText(report), chart: { kind: 'losses', input: report } }
    },
  },
  {
    name: 'funnel',
    async run(store, query) {
      const [report, times] = await Promise.all([loadFunnelReport(store.db, query), loadTimeInStageReport(store.db, query)])
      return { json: { ...report, timeInStage: times }, text: () => funnelText(report, times), chart: { kind: 'funnel', input: report } }
    },
  },
  {
    name: 'drivers',
    async run(store, query) {
      const report = await loadDriversReport(store.db, query)
      return { json: report, text: () => driversText(report), chart: { kind: 'drivers', input: report } }
    },
  },
  {
    name: 'stalled',
    async run(store, query, options) {
      const limit = listLimit(options.limit, options.json, DEFAULT_STALLED_LIMIT, '--limit 20 (0 lists all)')
      const report = await loadStalledReport(store.db, { ...query, limit })
      return { json: report, text: () => stalledText(report), chart: { kind: 'stalled', input: report } }
    },
  },
  {
    name: 'summary',
    async run(store, query) {
      const summary = await findingsSummary(store.db, query)
      return { json: summary, text: () => summaryText(summary) }
    },
  },
]

// A Map, so `pulse report toString` cannot reach Object.prototype.
const REPORTS: ReadonlyMap<string, ReportSpec> = new Map(SPECS.map((r) => [r.name, r]))

/**
 * Runs `pulse report NAME` (one of the reports `report-command.ts` registers) with the words after
 * its name and its parsed options: computes the report, writes its chart with `--png`, prints it.
 */
export async function runReportCommand(name: string, words: string[], options: ReportOptions, io: CliIo): Promise<void> {
  const spec = REPORTS.get(name)
  if (spec === undefined) throw new Error(`No report named ${name}`)
  if (words.length > 0) throw new AppError('bad_input', reportWordsError(spec.name, words))
  const where = parseWhere(options.where)
  const result = await usingStore(
    options,
    async (store, config) => {
      const query = reportQuery(options, await matchWhereValues(store, where, io), config, await configuredStages(store, config))
      noteFutureAsOf(io, query.asOf, config)
      await noteSlowReport(io, store, query, spec.name)
      return spec.run(store, query, options)
    },
    { existing: true, io, needsDeals: true },
  )
  // The chart first: when it cannot be written, the command fails without printing a report.
  if (options.png && result.chart) {
    // The chart code loads only for --png: a report printed as text or JSON starts without it.
    const { renderReportChart } = await import('../../charts/render-report-chart.js')
    const chart = await renderReportChart(result.chart.kind, result.chart.input as never)
    const file = options.png
    await writeFile(file, chart.png).catch((error: NodeJS.ErrnoException) => {
      throw new AppError(
        'bad_input',
        error.code === 'EISDIR'
          ? `Cannot write the chart to ${file}: it is a folder. Give the path of the PNG file to write, for example --png ${join(file, `${spec.name}.png`)}.`
          : `Cannot write the chart to ${file}: ${error.message}. Check that the folder exists and is writable.`,
      )
    })
    io.err(`Chart written to ${options.png} (${chart.width}x${chart.height}): ${chart.title}`)
  }
  emit(io, options, result.json, result.text)
}

/**
 * What to write instead of words given after a report's name without an option, as `/pulse` in
 * Slack takes them: `region=EMEA` needs `--where`, a number of months `--months` (winrate).
 *
 * @example reportWordsError('winrate', ['6', 'region=EMEA']) // '... pulse report winrate --months 6 --where region=EMEA ...'
 */
export function reportWordsError(report: string, words: readonly string[]): string {
  const months = report === 'winrate' && words.length > 0 && /^\d+$/.test(words[0] as string) ? (words[0] as string) : undefined
  const rest = months === undefined ? words : words.slice(1)
  if (rest.every((w) => /^[^=\s]+=./.test(w))) {
    const options = [
      ...(months === undefined ? [] : [`--months ${months}`]),
      ...(rest.length > 0 ? [`--where ${rest.map(shellArg).join(' ')}`] : []),
    ]
    const what = months === undefined ? 'filters' : rest.length === 0 ? 'months' : 'months and filters'
    return `pulse report ${report} takes its ${what} as options, not as words after its name (as /pulse does in Slack): pulse report ${report} ${options.join(' ')}`
  }
  return `pulse report ${report} takes no word after its name ("${words.join(' ')}"); its options are listed by pulse report ${report} --help.`
}

/** Stores from this many deals take seconds for a report the stored summaries cannot answer: {@link noteSlowReport} says so first. */
export const SLOW_REPORT_DEALS = 100_000

/**
 * Says on stderr, before a report the analytics rollup cannot answer (an "as of" before the
 * newest date in the data, more than one `--where`, or summaries not yet rebuilt after a change)
 * on a store of {@link SLOW_REPORT_DEALS} deals or more, that it reads every deal and may take a
 * while, and why: seconds of silence would look like a hang, and summaries an upgrade set aside are
 * no fault of the report asked for. Win rate and losses (and drivers without a
 * `--where`) count deals by the month they closed or were created in, which the summaries answer
 * as of an earlier day too.
 */
async function noteSlowReport(io: CliIo, store: Store, query: ReportQuery, report: string): Promise<void> {
  const scope = { asOf: query.asOf, where: query.where }
  const monthly =
    report === 'winrate' || report === 'losses' || (report === 'drivers' && Object.values(query.where ?? {}).every((v) => v === undefined))
  if (monthly ? await findMonthlyRollupSlice(store.db, scope) : await findRollupSlice(store.db, scope)) return
  const deals = await countDeals(store.db)
  if (deals < SLOW_REPORT_DEALS) return
  // Summaries set aside (an upgrade, a sync cut short) answer no report, whatever its day or filters.
  const why = (await isRollupStale(store.db))
    ? 'the stored summaries are out of date (an upgrade or a sync cut short set them aside) until `pulse serve` starts or the next import or sync rebuilds them.'
    : 'the stored summaries answer only reports as of the newest date in the data with at most one --where.'
  io.err(`Reading all ${formatCount(deals)} deals for this report, which may take several seconds: ${why}`)
}

function reportQuery(options: ReportOptions, where: ReportFilters, config: Config, stages: readonly string[] | undefined): ReportQuery {
  return {
    asOf: resolveAsOf(options, config),
    where,
    rules: { alertAmount: config.alertAmount, idleDays: config.idleDays, staleDays: config.staleDays },
    today: todayOf(config),
    ...(stages ? { stages } : {}),
  }
}

/**
 * Parses `--where field=value` options into filters (field names in any case).
 * @throws AppError `bad_input` naming the valid fields (or amount bands), or a field given twice.
 */
export function parseWhere(values: readonly string[]): ReportFilters {
  const out: Partial<Record<SegmentField, string>> = {}
  for (const raw of values) {
    const eq = raw.indexOf('=')
    const field = (eq === -1 ? raw : raw.slice(0, eq)).trim().toLowerCase()
    let value = eq === -1 ? '' : raw.slice(eq + 1).trim()
    if (!(SEGMENT_FIELDS as readonly string[]).includes(field) || value === '') {
      throw new AppError(
        'bad_input',
        `--where "${raw}" is not understood; use field=value with a field among ${SEGMENT_FIELDS.join(', ')} (for example --where region=EMEA).`,
      )
    }
    if (field === 'amount_band') {
      const band = FILTER_AMOUNT_BANDS.find((b) => b.toLowerCase() === value.toLowerCase())
      if (band === undefined)
        throw new AppError('bad_input', `amount_band "${value}" is not a band; use one of ${FILTER_AMOUNT_BANDS.join(', ')}.`)
      value = band
    }
    const previous = out[field as SegmentField]
    if (previous !== undefined && previous !== value) {
      throw new AppError(
        'bad_input',
        `--where gives ${field} twice ("${previous}" and "${value}"); a report filters on one value per field, so run it once for each.`,
      )
    }
    out[field as SegmentField] = value
  }
  return out
}

/**
 * Checks filter values against the values closed deals hold ({@link matchFilterValues}): a value
 * that matches only in another case is replaced by the stored spelling, one that matches several
 * spellings says which it takes, and a value no closed deal
 * has is named on stderr with the values there are (the report still runs: open deals may have it).
 */
async function matchWhereValues(store: Store, where: ReportFilters, io: CliIo): Promise<ReportFilters> {
  const fields = (Object.keys(where) as SegmentField[]).filter((f) => f !== 'amount_band')
  const matched = await matchFilterValues(store.db, where, fields)
  for (const field of fields) {
    const r = matched.respelled.find((m) => m.field === field)
    if (r) io.err(`--where ${field}=${r.typed}: using "${r.stored}", as the deals spell it.`)
    const s = matched.spellings.find((m) => m.field === field)
    if (s) io.err(`--where ${spellingsNote(s)}`)
    const u = matched.unknown.find((m) => m.field === field)
    if (u) io.err(u.note)
  }
  return matched.where
}

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { formatCount } from '../../analytics/format-figures.js'
import { driversText, funnelText, lossesText, stalledText, summaryText, winrateText } from '../../analytics/report-text.js'
import {
  MAX_WINRATE_MONTHS,
  type ReportFilters,
  type ReportQuery,
  SEGMENT_FIELDS,
  type SegmentField,
} from '../../analytics/report-types.js'
import { type ChartInputs, type ChartKind, renderReportChart } from '../../charts/render-report-chart.js'
import { type Config, todayOf } from '../../config.js'
import { countDeals } from '../../db/count-deals.js'
import { findMonthlyRollupSlice, findRollupSlice } from '../../db/find-rollup-slice.js'
import { isRollupStale } from '../../db/is-rollup-stale.js'
import type { Store } from '../../db/open-store.js'
import { stageOrderAfterSave } from '../../db/save-stage-order.js'
import { FILTER_AMOUNT_BANDS } from '../../domain/amount-band.js'
import { DEFAULT_STAGES } from '../../domain/default-stages.js'
import { stagesFromNames } from '../../domain/stages-from-names.js'
import { AppError } from '../../errors.js'
import { findingsSummary } from '../../services/findings-summary.js'
import { loadDriversReport } from '../../services/load-drivers-report.js'
import { loadFunnelReport } from '../../services/load-funnel-report.js'
import { loadLossesReport } from '../../services/load-losses-report.js'
import { DEFAULT_STALLED_LIMIT, loadStalledReport } from '../../services/load-stalled-report.js'
import { loadTimeInStageReport } from '../../services/load-time-in-stage-report.js'
import { loadWinrateReport } from '../../services/load-winrate-report.js'
import { matchFilterValues, spellingsNote } from '../../services/match-filter-values.js'
import {
  type CliIo,
  type CommonOptions,
  emit,
  noteFutureAsOf,
  pathArgument,
  resolveAsOf,
  usingStore,
  withReportOptions,
} from '../cli-context.js'
import { listLimit, parseWholeNumber } from '../parse-whole-number.js'
import { shellArg } from '../shell-arg.js'

interface ReportOptions extends CommonOptions {
  where: string[]
  months?: string
  limit?: string
  png?: string
}

/** What a report run yields: JSON, text, and (for charted reports) the chart's input. */
interface ReportResult {
  json: unknown
  text: () => string
  chart?: { [K in ChartKind]: { kind: K; input: ChartInputs[K] } }[ChartKind]
}

/** A report subcommand: how to compute it and how to print it. */
interface ReportSpec {
  name: string
  description: string
  example: string
  run(store: Store, query: ReportQuery, options: ReportOptions): Promise<ReportResult>
}

const SPECS: ReportSpec[] = [
  {
    name: 'winrate',
    description: 'monthly win rate with control limits, and pipeline volume',
    example: 'pulse report winrate --months 18 --where region=EMEA',
    async run(store, query, options) {
      const months = options.months === undefined ? 12 : parseWholeNumber(options.months, '--months', { min: 1, example: '--months 12' })
      const report = await loadWinrateReport(store.db, { ...query, months })
      return { json: report, text: () => winrateText(report), chart: { kind: 'winrate', input: report } }
    },
  },
  {
    name: 'losses',
    description: 'lost deals by the stage they were lost at',
    example: 'pulse report losses --where product_type=Enterprise',
    async run(store, query) {
      const report = await loadLossesReport(store.db, query)
      return { json: report, text: () => lossesText(report), chart: { kind: 'losses', input: report } }
    },
  },
  {
    name: 'funnel',
    description: 'stage conversion and leakage, and days in each stage',
    example: 'pulse report funnel --json',
    async run(store, query) {
      const [report, times] = await Promise.all([loadFunnelReport(store.db, query), loadTimeInStageReport(store.db, query)])
      return { json: { ...report, timeInStage: times }, text: () => funnelText(report, times), chart: { kind: 'funnel', input: report } }
    },
  },
  {
    name: 'drivers',
    description: 'segment win rates with confidence intervals and multiple-testing correction',
    example: 'pulse report drivers --where region=EMEA',
    async run(store, query) {
      const report = await loadDriversReport(store.db, query)
      return { json: report, text: () => driversText(report), chart: { kind: 'drivers', input: report } }
    },
  },
  {
    name: 'stalled',
    description: 'stalled and stale open deals',
    example: 'pulse report stalled --limit 20',
    async run(store, query, options) {
      const limit = listLimit(options.limit, options.json, DEFAULT_STALLED_LIMIT, '--limit 20 (0 lists all)')
      const report = await loadStalledReport(store.db, { ...query, limit })
      return { json: report, text: () => stalledText(report), chart: { kind: 'stalled', input: report } }
    },
  },
  {
    name: 'summary',
    description: "the CRO's summary: the findings every report supports",
    example: 'pulse report summary --as-of 2024-07-20',
    async run(store, query) {
      const summary = await findingsSummary(store.db, query)
      return { json: summary, text: () => summaryText(summary) }
    },
  },
]

// A Map, so `pulse report toString` cannot reach Object.prototype.
const REPORTS: ReadonlyMap<string, ReportSpec> = new Map(SPECS.map((r) => [r.name, r]))

/** `pulse report winrate|losses|funnel|drivers|stalled|summary`: the win-rate reports as text or `--json`, and `--png FILE`. */
export function registerReportCommand(program: Command, io: CliIo): void {
  // Every option of a report goes before its name too (`pulse report --png out.png winrate`): declared here
  // for its --help and read where it stands, handed to the report by applyLeadingOptions, which refuses one
  // the report does not take (`pulse report --months 6 losses`).
  const report = withReportOptions(
    program
      .command('report')
      .description('win-rate reports: winrate, losses, funnel, drivers, stalled, summary')
      .usage('[options] <report> [options]')
      .enablePositionalOptions(),
  )
    .option(
      '--where <field=value>',
      `only deals where field = value (fields: ${SEGMENT_FIELDS.join(', ')}); before the report's name, one --where per filter`,
      collect,
      [],
    )
    .option('--months <n>', 'winrate: months shown (see pulse report winrate --help)')
    .option('--limit <n>', 'stalled: deals listed (see pulse report stalled --help)')
    .option(
      '--png <file>',
      'also draw the report as a PNG chart into FILE (not summary)',
      pathArgument('--png needs the path of the PNG file to write.'),
    )
    .on('command:*', (operands: string[]) => {
      const word = operands[0] ?? ''
      report.error(
        word.includes('=')
          ? `error: "${word}" is not a report; before the report's name each --where takes one field=value, so give --where again for each filter (pulse report --where region=EMEA --where industry=SaaS winrate).`
          : `error: unknown report '${word}'; the reports are ${[...REPORTS.keys()].join(', ')}.`,
        { code: 'commander.unknownCommand' },
      )
    })
    .addHelpText(
      'after',
      "\nEvery option goes before or after the report's name.\n\nExamples:\n  pulse report winrate --as-of 2024-07-20\n  pulse report drivers --json --where region=EMEA\n  pulse report losses --png losses.png\n  pulse report --db deals.db --json funnel\n  pulse report --png winrate.png --where region=EMEA winrate",
    )
  for (const spec of REPORTS.values()) {
    const cmd = withReportOptions(report.command(spec.name).description(spec.description))
      .configureHelp({ commandUsage: () => `pulse report [options] ${spec.name} [options]` })
      // Words after the name as `/pulse` takes them (`winrate 6 region=EMEA`) are read, to say which option each needs.
      .argument('[words...]')
      .option('--where <field=value...>', `only deals where field = value (fields: ${SEGMENT_FIELDS.join(', ')})`, collect, [])
    if (spec.name === 'winrate')
      cmd.option(
        '--months <n>',
        `months shown, counting the partial month (default 12; more than ${MAX_WINRATE_MONTHS} shows ${MAX_WINRATE_MONTHS})`,
      )
    if (spec.name === 'stalled')
      cmd.option('--limit <n>', `deals listed, largest first (default ${DEFAULT_STALLED_LIMIT}, all with --json; 0 = all)`)
    if (spec.name !== 'summary')
      cmd.option(
        '--png <file>',
        'also draw the report as a PNG chart into FILE',
        pathArgument('--png needs the path of the PNG file to write.'),
      )
    cmd.addHelpText('after', `\nExample:\n  ${spec.example}`).action(async (words: string[], options: ReportOptions) => {
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
    })
  }
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
 * The stage order a report should use when `PULSE_STAGES` is set (differs from the default):
 * that order, unless a CRM saved its own pipeline order (which wins, as on import), with a stage
 * named in another case than the stored order in the stored spelling (the deals'). Undefined
 * means the stored order (the one the last import or sync saved).
 */
export async function configuredStages(store: Store, config: Config): Promise<readonly string[] | undefined> {
  const names = config.stages
  if (names.length === DEFAULT_STAGES.length && names.every((s, i) => s === DEFAULT_STAGES[i])) return undefined
  const order = await stageOrderAfterSave(store.db, stagesFromNames(names), 'config')
  // The order as saved: a stage spelt in another case than the stored one takes the stored spelling.
  return order.length === names.length && order.every((s, i) => s.name.toLowerCase() === names[i]?.toLowerCase())
    ? order.map((s) => s.name)
    : undefined
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

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

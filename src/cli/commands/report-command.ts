import type { Command } from 'commander'
import { DEFAULT_STALLED_LIMIT, MAX_WINRATE_MONTHS, SEGMENT_FIELDS } from '../../analytics/report-types.js'
import { type CliIo, type CommonOptions, pathArgument, withReportOptions } from '../cli-options.js'

/** The options of `pulse report NAME` as Commander parses them. */
export interface ReportOptions extends CommonOptions {
  where: string[]
  months?: string
  limit?: string
  png?: string
}

/** A report subcommand as its --help shows it; `run-report-command.ts` computes and prints it. */
interface ReportHelp {
  name: string
  description: string
  example: string
}

// Names, in the order --help and the unknown-report error list them; a report's work is loaded only when it runs.
const REPORTS: readonly ReportHelp[] = [
  {
    name: 'winrate',
    description: 'monthly win rate with control limits, and pipeline volume',
    example: 'pulse report winrate --months 18 --where region=EMEA',
  },
  {
    name: 'losses',
    description: 'lost deals by the stage they were lost at',
    example: 'pulse report losses --where product_type=Enterprise',
  },
  { name: 'funnel', description: 'stage conversion and leakage, and days in each stage', example: 'pulse report funnel --json' },
  {
    name: 'drivers',
    description: 'segment win rates with confidence intervals and multiple-testing correction',
    example: 'pulse report drivers --where region=EMEA',
  },
  { name: 'stalled', description: 'stalled and stale open deals', example: 'pulse report stalled --limit 20' },
  {
    name: 'summary',
    description: "the CRO's summary: the findings every report supports",
    example: 'pulse report summary --as-of 2024-07-20',
  },
]

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
          : `error: unknown report '${word}'; the reports are ${REPORTS.map((r) => r.name).join(', ')}.`,
        { code: 'commander.unknownCommand' },
      )
    })
    .addHelpText(
      'after',
      "\nEvery option goes before or after the report's name.\n\nExamples:\n  pulse report winrate --as-of 2024-07-20\n  pulse report drivers --json --where region=EMEA\n  pulse report losses --png losses.png\n  pulse report --db deals.db --json funnel\n  pulse report --png winrate.png --where region=EMEA winrate",
    )
  for (const spec of REPORTS) {
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
    cmd
      .addHelpText('after', `\nExample:\n  ${spec.example}`)
      .action(async (words: string[], options: ReportOptions) =>
        (await import('./run-report-command.js')).runReportCommand(spec.name, words, options, io),
      )
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

import { type Command, Option } from 'commander'
import { formatCount, formatCountOf, formatDeals } from '../../analytics/format-figures.js'
import { AppError } from '../../errors.js'
import { DEFAULT_SAMPLE_DEALS, type SampleSummary, writeSampleFiles } from '../../sample/write-sample-files.js'
import { type CliIo, pathArgument, resolveAsOf, seedArgument } from '../cli-context.js'
import { parseWholeNumber } from '../parse-whole-number.js'
import { shellArg } from '../shell-arg.js'

interface SampleCommandOptions {
  out: string
  deals: string
  seed: string
  asOf?: string
  patterns: string
  json?: boolean
}

/** `pulse sample --out FILE [--deals N] [--seed S] [--as-of D] [--patterns none]`: write a demo CSV. */
export function registerSampleCommand(program: Command, io: CliIo): void {
  program
    .command('sample')
    .description('write a realistic, deterministic demo deals CSV (plus its truth file and a roster)')
    .requiredOption(
      '--out <file>',
      'the CSV to write (FILE.truth.csv and FILE.roster.yml go beside it)',
      pathArgument('--out needs the path of the CSV file to write.'),
    )
    .option('--deals <n>', 'number of deals', String(DEFAULT_SAMPLE_DEALS))
    .option('--seed <seed>', 'any number or word; the same seed writes the same files', seedArgument, '1')
    .option('--as-of <date>', 'last day of the history, YYYY-MM-DD (default: PULSE_AS_OF, else today)')
    .option('--patterns <which>', '"planted" (default: the documented story) or "none" (no planted effect)', 'planted')
    .option('--json', 'print the summary as JSON')
    // Every command takes --db (contract), so scripts may pass it throughout; sample only writes files.
    .addOption(new Option('--db <path>', 'not used: sample writes files only').hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n  pulse sample --out data/deals.csv\n  pulse sample --out flat.csv --deals 20000 --seed 7 --as-of 2024-07-20 --patterns none',
    )
    .action((options: SampleCommandOptions) => {
      const deals = parseWholeNumber(options.deals, '--deals', { min: 1, max: 50_000_000, example: '--deals 6000' })
      // `None` or `NONE` as typed: the two values differ by more than case.
      const patterns = options.patterns.trim().toLowerCase()
      if (patterns !== 'planted' && patterns !== 'none') {
        throw new AppError(
          'bad_input',
          `--patterns "${options.patterns}" is not known; use --patterns none (or leave it out for the planted story).`,
        )
      }
      const asOf = resolveAsOf({ asOf: options.asOf })
      let summary: SampleSummary
      try {
        summary = writeSampleFiles({ out: options.out, deals, seed: options.seed, asOf, patterns })
      } catch (error) {
        if (error instanceof AppError) throw error
        throw new AppError(
          'bad_file',
          `Cannot write ${options.out}: ${(error as Error).message}. Check the folder exists and is writable.`,
          {
            cause: error,
          },
        )
      }
      io.out(
        options.json
          ? JSON.stringify(summary, null, 2)
          : [
              `Wrote ${formatDeals(summary.deals)} (${formatCount(summary.won)} won, ${formatCount(summary.lost)} lost, ${formatCount(summary.open)} open; ${formatCountOf(summary.owners, 'owner')}) as of ${summary.asOf} to ${summary.csv}` +
                ` (seed ${summary.seed}, patterns ${summary.patterns}).`,
              `True win probabilities and future outcomes: ${summary.truth}`,
              `Roster for PULSE_ROSTER: ${summary.roster}`,
              `Next: pulse ingest --csv ${shellArg(summary.csv)}`,
            ].join('\n'),
      )
    })
}

import { type Command, Option } from 'commander'
import { DEFAULT_SAMPLE_DEALS } from '../../sample/write-sample-files.js'
import { type CliIo, pathArgument, seedArgument } from '../cli-options.js'

/** The options of `pulse sample` as Commander parses them. */
export interface SampleCommandOptions {
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
    .action(async (options: SampleCommandOptions) => (await import('./run-sample-command.js')).runSampleCommand(options, io))
}

import type { Command } from 'commander'
import { AppError } from '../../errors.js'
import { type CliIo, type CommonOptions, pathArgument, withDbOption } from '../cli-options.js'

/** The options of `pulse ingest` as Commander parses them. */
export interface IngestOptions extends CommonOptions {
  csv?: string
  map: string[]
}

const csvPath = pathArgument('--csv needs the path of the CSV file to import.')

/**
 * Commander's parser of `--csv`: a second `--csv` is refused, since only one file is imported and
 * the other would be skipped without a word (`--csv q1.csv --csv q2.csv` imported q2.csv alone).
 */
function csvArgument(value: string, previous: string | undefined): string {
  if (previous !== undefined) {
    throw new AppError(
      'bad_input',
      `--csv is given twice ("${previous}" and "${value}"), and pulse ingest imports one file; nothing was imported. Run it once for each file.`,
    )
  }
  return csvPath(value)
}

/** `pulse ingest --csv FILE [--map col=Header ...]`: import a deals CSV. */
export function registerIngestCommand(program: Command, io: CliIo): void {
  withDbOption(
    program
      .command('ingest')
      .description('import a deals CSV export (bad rows are quarantined, good rows imported)')
      .requiredOption('--csv <file>', 'the CSV file to import (one per run)', csvArgument)
      .option('--map <column=Header...>', 'read a column from a differently named header', collect, [])
      .option('--json', 'print the import summary as JSON')
      .addHelpText('after', '\nExample:\n  pulse ingest --csv deals.csv --map deal_amount="Deal Value" --map sales_rep_id=Owner'),
  ).action(async (options: IngestOptions) => (await import('./run-ingest-command.js')).runIngestCommand(options, io))
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

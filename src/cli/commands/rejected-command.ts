import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withDbOption } from '../cli-options.js'

/** Rows the text output of `pulse rejected` lists unless `--limit` says otherwise (`--json` lists all). */
export const REJECTED_LISTED = 50

/** The options of `pulse rejected` as Commander parses them. */
export interface RejectedOptions extends CommonOptions {
  limit?: string
}

/** `pulse rejected [RUN]`: the rows a CSV import quarantined, with their line, reason and text. */
export function registerRejectedCommand(program: Command, io: CliIo): void {
  withDbOption(
    program
      .command('rejected')
      .argument('[run]', 'import run id (as `pulse ingest` prints it); default: the latest import that rejected rows')
      .description('list the rows a CSV import quarantined: line, reason and the row as it was')
      .option('--limit <n>', `rows listed (default ${REJECTED_LISTED}, all with --json; 0 = all)`)
      .option('--json', 'print the rows as JSON')
      .addHelpText('after', '\nExamples:\n  pulse rejected\n  pulse rejected 3 --limit 0 --json'),
  ).action(async (run: string | undefined, options: RejectedOptions) =>
    (await import('./run-rejected-command.js')).runRejectedCommand(run, options, io),
  )
}

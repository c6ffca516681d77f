import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withReportOptions } from '../cli-options.js'

/** `pulse train`: train the win-probability model on closed deals and print its evaluation. */
export function registerTrainCommand(program: Command, io: CliIo): void {
  withReportOptions(
    program
      .command('train')
      .description('train the win-probability model on closed deals (older ones) and test it on the newest 20%')
      .addHelpText('after', '\nExamples:\n  pulse train --as-of 2024-07-20\n  pulse train --json'),
  ).action(async (options: CommonOptions) => (await import('./run-train-command.js')).runTrainCommand(options, io))
}

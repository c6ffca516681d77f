import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withDbOption } from '../cli-options.js'

/** `pulse status`: the data held, the stage order in use, the last sync of each CRM, the Slack messages waiting or refused, the last run of each job and the latest job runs. */
export function registerStatusCommand(program: Command, io: CliIo): void {
  withDbOption(
    program
      .command('status')
      .description(
        'show the data held, the stage order in use, the last CSV import, the last CRM syncs, Slack messages waiting or refused, the last run of each scheduled job, and recent job runs',
      )
      .option('--json', 'print the status as JSON')
      .addHelpText('after', '\nExamples:\n  pulse status\n  pulse status --db data/pulse.db --json'),
  ).action(async (options: CommonOptions) => (await import('./run-status-command.js')).runStatusCommand(options, io))
}

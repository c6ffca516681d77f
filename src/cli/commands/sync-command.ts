import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withDbOption } from '../cli-options.js'

/** The options of `pulse sync` as Commander parses them. */
export interface SyncOptions extends CommonOptions {
  source?: string
  full?: boolean
}

/** `pulse sync [--source hubspot|salesforce] [--full]`: incremental pull from the configured CRM. */
export function registerSyncCommand(program: Command, io: CliIo): void {
  withDbOption(
    program
      .command('sync')
      .description('pull what changed in the CRM since the last sync (deals, stage history, owners, stage order)')
      .option('--source <crm>', 'hubspot or salesforce (default: the one configured)')
      .option('--full', 'read everything again, and remove deals the CRM no longer has')
      .option('--json', 'print the sync summary as JSON')
      .addHelpText('after', '\nExamples:\n  pulse sync\n  pulse sync --source salesforce --full'),
  ).action(async (options: SyncOptions) => (await import('./run-sync-command.js')).runSyncCommand(options, io))
}

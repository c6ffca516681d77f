import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withReportOptions } from '../cli-options.js'

/** The options of `pulse alerts` as Commander parses them. */
export interface AlertsOptions extends CommonOptions {
  dryRun?: boolean
}

/**
 * `pulse alerts [--dry-run]`: DM the owners of stalled deals (one DM per deal per stall episode,
 * through the outbox). With `--dry-run`: list who would be DMed and write nothing; no Slack
 * credentials needed. JSON (contract): `{ asOf, alerts: [{ dealId, ownerEmail, amount, stage, daysIdle }] }`, each alert
 * with `idleFrom` (the date its days idle run from: `activity`, or a stand-in when none is recorded).
 */
export function registerAlertsCommand(program: Command, io: CliIo): void {
  withReportOptions(
    program
      .command('alerts')
      .description('DM owners of stalled deals (dry run: list who would be DMed)')
      .option('--dry-run', 'list the DMs that would be sent, send nothing and write nothing')
      .addHelpText(
        'after',
        '\nExamples:\n  pulse alerts --dry-run --db data/demo.db --as-of 2026-06-30\n  pulse alerts            # needs SLACK_BOT_TOKEN',
      ),
  ).action(async (options: AlertsOptions) => (await import('./run-alerts-command.js')).runAlertsCommand(options, io))
}

import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withDbOption } from '../cli-options.js'

/**
 * `pulse serve`: the Slack app (HTTP on `PORT`, or Socket Mode with `SLACK_APP_TOKEN`) and the
 * scheduled jobs in one process, until SIGINT or SIGTERM. On start it delivers anything the
 * outbox still holds from before a restart; on PostgreSQL its outbox watch also finishes, once
 * their lease has run out, messages another instance claimed and did not deliver (see
 * `startOutboxWatch`).
 */
export function registerServeCommand(program: Command, io: CliIo): void {
  withDbOption(
    program
      .command('serve')
      .description('run the Slack app and the scheduled jobs')
      .addHelpText(
        'after',
        '\nNeeds SLACK_BOT_TOKEN, with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode).\nHTTP mode answers POST /slack/events on PORT (default 3000). Ctrl-C or SIGTERM stops it.\nExample:\n  pulse serve',
      ),
  ).action(async (options: CommonOptions) => (await import('./run-serve-command.js')).runServeCommand(options, io))
}

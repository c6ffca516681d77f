import type { Command } from 'commander'
import { openStore } from '../../db/open-store.js'
import { createLogger, type Logger } from '../../log/create-logger.js'
import { loadRoster } from '../../slack/access/load-roster.js'
import { createPulseServices } from '../../slack/app/create-pulse-services.js'
import { createSlackApp } from '../../slack/app/create-slack-app.js'
import { createSlackJobs, type SlackJobs } from '../../slack/app/create-slack-jobs.js'
import { type CliIo, type CommonOptions, cliConfig, withDbOption } from '../cli-context.js'

/**
 * `pulse serve`: the Slack app (HTTP on `PORT`, or Socket Mode with `SLACK_APP_TOKEN`) and the
 * scheduled jobs in one process, until SIGINT or SIGTERM. On start it delivers anything the
 * outbox still holds from before a restart.
 */
export function registerServeCommand(program: Command, io: CliIo): void {
  withDbOption(
    program
      .command('serve')
      .description('run the Slack app and the scheduled jobs')
      .addHelpText(
        'after',
        '\nNeeds SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode), or SLACK_APP_TOKEN (Socket Mode).\nExample:\n  pulse serve',
      ),
  ).action(async (options: CommonOptions) => {
    const config = cliConfig()
    const logger = createLogger(config.logLevel)
    const store = await openStore({ path: options.db ?? config.dbPath })
    const roster = loadRoster(config.rosterPath)
    const services = createPulseServices({ store, config, logger })
    const slack = createSlackApp({ store, config, logger, roster, services })
    await slack.start()
    const jobs = createSlackJobs(slack.ctx, slack.client)
    const stopJobs = startJobs(jobs, logger)
    void jobs.drainOutbox().catch((error: unknown) => logger.error({ err: error }, 'outbox could not be delivered on start'))
    io.err(
      slack.mode === 'http'
        ? `Sales Pulse is listening on port ${config.port} (POST /slack/events). Ctrl-C stops it.`
        : 'Sales Pulse is connected to Slack (Socket Mode). Ctrl-C stops it.',
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    })
    io.err('Stopping…')
    await stopJobs()
    await slack.stop()
    await store.close()
  })
}

// Until the scheduler (src/jobs) is wired in, only the start-up delivery runs.
function startJobs(_jobs: SlackJobs, logger: Logger): () => Promise<void> {
  logger.warn('The job scheduler is not available in this build; scheduled DMs, alerts and syncs will not run.')
  return async () => {}
}

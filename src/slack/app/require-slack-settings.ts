import { type Config, requireSettings } from '../../config.js'

/**
 * Checks that `config` has what the Slack app needs: `SLACK_BOT_TOKEN` with `SLACK_APP_TOKEN`
 * (Socket Mode, chosen by setting it) or with `SLACK_SIGNING_SECRET` (HTTP mode). Loads no Slack
 * library, so `pulse serve` checks it before it opens or creates the database.
 *
 * @throws AppError `bad_config` naming the missing variables, and Socket Mode as the way without a public URL.
 */
export function requireSlackSettings(config: Config): void {
  if (config.slack.appToken !== undefined) {
    requireSettings([['SLACK_BOT_TOKEN', config.slack.botToken]], 'The Slack app (Socket Mode, as SLACK_APP_TOKEN is set)')
    return
  }
  requireSettings(
    [
      ['SLACK_BOT_TOKEN', config.slack.botToken],
      ['SLACK_SIGNING_SECRET', config.slack.signingSecret],
    ],
    'The Slack app',
    'for HTTP mode; for Socket Mode, which needs no public URL, set SLACK_APP_TOKEN instead of SLACK_SIGNING_SECRET',
  )
}

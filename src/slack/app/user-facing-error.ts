import { AppError, DATABASE_BUSY, isDatabaseBusy, isDatabaseDamaged, isDatabaseUnreachable, userMessage } from '../../errors.js'
import { redactText } from '../../log/create-logger.js'
import { slackErrorCode } from '../access/slack-user-directory.js'
import { esc } from '../blocks/format.js'
import { SLACK_SIDE_ERRORS } from './slack-side-errors.js'
import { FileUploadError, FileUploadTimeoutError } from './upload-file.js'

/** What a user is told when Slack's settings do not let the app post where it was asked to (`restricted_action`). */
export const RESTRICTED_POST =
  "Slack's settings do not let Sales Pulse post there (a channel where only some people may post, or a workspace rule for apps): use another channel, or ask your Slack admin to let the app post there."

/** Slack's answers when the bot token itself is refused. */
const TOKEN_REFUSED = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive'])

/** The Web API client's error for an HTTP 5xx answer that its retries did not get past. */
function isSlackServerError(error: unknown): boolean {
  const e = error as { code?: unknown; statusCode?: unknown } | null
  return e?.code === 'slack_webapi_http_error' && typeof e.statusCode === 'number' && e.statusCode >= 500
}

/** The Web API client's error for a call that got no answer: a timeout, or no connection to Slack. */
function isSlackUnreachable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'slack_webapi_request_error'
}

/**
 * The one sentence a Slack user sees for a failure: an AppError's own message, a plain sentence
 * with a next step for the Slack errors someone can fix (a channel to invite the app to, a
 * permission or token to fix, a rate limit to wait out, a channel where Slack's settings keep the app from posting, a database another process is writing
 * to, a database that is restarting or damaged, an upload Slack did not take, a Slack that does not answer, a failure on Slack's side), or a generic sentence (the details go
 * to the log only). Tokens, passwords and response URLs quoted in a message are redacted.
 */
export function userFacingError(error: unknown): string {
  // AppError messages can quote what the user typed (a deal name, `<deal id or name>` usage): escaped for mrkdwn.
  // A message may quote what a CRM or database answered: secret-looking parts are taken out.
  if (error instanceof AppError) return esc(redactText(userMessage(error)))
  if (isDatabaseBusy(error)) return DATABASE_BUSY
  if (isDatabaseUnreachable(error))
    return 'Sales Pulse cannot reach its database right now (it may be restarting), so try again in a minute; if it lasts, tell your Sales Pulse admin.'
  if (isDatabaseDamaged(error))
    return "Sales Pulse's database file is damaged, so this could not be done: tell your Sales Pulse admin, who can restore it from a backup or rebuild it (the log has the details)."
  if (error instanceof FileUploadError)
    return `Slack did not take the upload (its upload address answered HTTP ${error.status}), so try again in a minute.`
  if (error instanceof FileUploadTimeoutError)
    return `Slack did not take the upload (its upload address did not answer within ${error.seconds} seconds), so try again in a minute; if it lasts, see https://slack-status.com.`
  const code = slackErrorCode(error)
  if (code === 'not_in_channel' || code === 'channel_not_found') {
    return 'I cannot post in that channel: invite me with `/invite @Sales Pulse` and try again.'
  }
  if (code === 'ratelimited') return 'Slack is rate-limiting us right now, so try again in a minute.'
  // An announcement-only channel, or a workspace that limits what apps may post: trying again cannot help.
  if (code === 'restricted_action') return RESTRICTED_POST
  if (code === 'missing_scope') {
    const needed = (error as { data?: { needed?: unknown } }).data?.needed
    const scope = typeof needed === 'string' && /^[a-z:.,\s]+$/.test(needed) ? ` (${needed})` : ''
    return `Sales Pulse lacks a Slack permission it needs${scope}: ask your Slack admin to reinstall the app from its manifest.yml.`
  }
  if (code !== undefined && TOKEN_REFUSED.has(code)) {
    return "Slack refused Sales Pulse's bot token: ask your Sales Pulse admin to reinstall the app or update SLACK_BOT_TOKEN."
  }
  if (isSlackUnreachable(error)) {
    return 'Sales Pulse could not reach Slack just now (no answer in time, or no connection), so try again in a minute; if it lasts, see https://slack-status.com.'
  }
  if ((code !== undefined && SLACK_SIDE_ERRORS.has(code)) || isSlackServerError(error)) {
    return `Slack could not complete that just now${code !== undefined && /^[a-z_]+$/.test(code) ? ` (${code})` : ''}, so try again in a minute; if it lasts, see https://slack-status.com.`
  }
  return 'Something went wrong on our side (the details are in the log); try again in a minute, or ask your Sales Pulse admin.'
}

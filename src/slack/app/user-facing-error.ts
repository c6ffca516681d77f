import { AppError, DATABASE_BUSY, isDatabaseBusy, isDatabaseUnreachable, userMessage } from '../../errors.js'
import { redactText } from '../../log/create-logger.js'
import { slackErrorCode } from '../access/slack-user-directory.js'
import { esc } from '../blocks/format.js'
import { FileUploadError } from './upload-file.js'

/** Slack's answers when the bot token itself is refused. */
const TOKEN_REFUSED = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive'])

/**
 * The one sentence a Slack user sees for a failure: an AppError's own message, a plain sentence
 * with a next step for the Slack errors someone can fix (a channel to invite the app to, a
 * permission or token to fix, a rate limit to wait out, a database another process is writing
 * to, a database that is restarting, an upload Slack did not take), or a generic sentence (the details go
 * to the log only). Tokens, passwords and response URLs quoted in a message are redacted.
 */
export function userFacingError(error: unknown): string {
  // AppError messages can quote what the user typed (a deal name, `<deal id or name>` usage): escaped for mrkdwn.
  // A message may quote what a CRM or database answered: secret-looking parts are taken out.
  if (error instanceof AppError) return esc(redactText(userMessage(error)))
  if (isDatabaseBusy(error)) return DATABASE_BUSY
  if (isDatabaseUnreachable(error))
    return 'Sales Pulse cannot reach its database right now (it may be restarting), so try again in a minute; if it lasts, tell your Sales Pulse admin.'
  if (error instanceof FileUploadError)
    return `Slack did not take the upload (its upload address answered HTTP ${error.status}), so try again in a minute.`
  const code = slackErrorCode(error)
  if (code === 'not_in_channel' || code === 'channel_not_found') {
    return 'I cannot post in that channel: invite me with `/invite @Sales Pulse` and try again.'
  }
  if (code === 'ratelimited') return 'Slack is rate-limiting us right now, so try again in a minute.'
  if (code === 'missing_scope') {
    const needed = (error as { data?: { needed?: unknown } }).data?.needed
    const scope = typeof needed === 'string' && /^[a-z:.,\s]+$/.test(needed) ? ` (${needed})` : ''
    return `Sales Pulse lacks a Slack permission it needs${scope}: ask your Slack admin to reinstall the app from its manifest.yml.`
  }
  if (code !== undefined && TOKEN_REFUSED.has(code)) {
    return "Slack refused Sales Pulse's bot token: ask your Sales Pulse admin to reinstall the app or update SLACK_BOT_TOKEN."
  }
  return 'Something went wrong on our side (the details are in the log); try again in a minute, or ask your Sales Pulse admin.'
}

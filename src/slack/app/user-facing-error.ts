import { AppError, userMessage } from '../../errors.js'
import { slackErrorCode } from '../access/slack-user-directory.js'

/**
 * The one sentence a Slack user sees for a failure: an AppError's own message, a plain sentence
 * for the Slack errors a user can fix, or a generic sentence (the details go to the log only).
 */
export function userFacingError(error: unknown): string {
  if (error instanceof AppError) return userMessage(error)
  const code = slackErrorCode(error)
  if (code === 'not_in_channel' || code === 'channel_not_found') {
    return 'I cannot post in that channel: invite me with `/invite @Sales Pulse` and try again.'
  }
  if (code === 'ratelimited') return 'Slack is rate-limiting us right now, so try again in a minute.'
  return 'Something went wrong on our side (the details are in the log); try again in a minute, or ask your Sales Pulse admin.'
}

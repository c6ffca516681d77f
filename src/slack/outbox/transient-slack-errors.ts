import { SLACK_SIDE_ERRORS } from '../app/slack-side-errors.js'

/**
 * Slack's error codes that say an outbox message may go through if sent again later: a failure
 * on Slack's side ({@link SLACK_SIDE_ERRORS}) or a rate limit (`ratelimited`). Every other code
 * is Slack's answer about this message or its recipient and stays the same however often it is
 * asked: the outbox tries a message again only for these (and for no answer at all: a network
 * error or an HTTP 5xx).
 *
 * @example TRANSIENT_SLACK_ERRORS.has('internal_error') // true; 'user_not_visible' // false
 */
export const TRANSIENT_SLACK_ERRORS: ReadonlySet<string> = new Set([...SLACK_SIDE_ERRORS, 'ratelimited'])

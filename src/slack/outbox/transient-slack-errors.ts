/**
 * Slack's error codes that say the call may work if made again later: Slack failing or busy on
 * its side (`internal_error`, `fatal_error`, `service_unavailable`, `request_timeout`), a rate
 * limit (`ratelimited`), or a workspace moving into an Enterprise organization
 * (`team_added_to_org`, "intermittently unavailable until the transition is complete"). Every
 * other code is Slack's answer about this message or recipient and stays the same however often
 * it is asked: the outbox tries a message again only for these (and for no answer at all: a
 * network error or an HTTP 5xx).
 *
 * @example TRANSIENT_SLACK_ERRORS.has('internal_error') // true; 'user_not_visible' // false
 */
export const TRANSIENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
])

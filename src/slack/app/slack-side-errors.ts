/**
 * Slack's error codes for a failure on its own side, which may pass if the call is made again a
 * little later (reference: the Web API's common errors): Slack failing or busy
 * (`internal_error`, `fatal_error`, `service_unavailable`, `request_timeout`), or a workspace
 * moving into an Enterprise organization (`team_added_to_org`: "intermittently unavailable until
 * the transition is complete").
 *
 * @example SLACK_SIDE_ERRORS.has('internal_error') // true; SLACK_SIDE_ERRORS.has('user_disabled') // false
 */
export const SLACK_SIDE_ERRORS: ReadonlySet<string> = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
])

const BOT = "the recipient's Slack account is a bot: make a person the deal's owner in the CRM (or name a person in the roster)"
const DEACTIVATED = "the recipient's Slack account is deactivated: reactivate it in Slack, or give their deals to another owner in the CRM"
// Only DMs (stalled deals, digests) are refused for good for these: a channel alert waits for the
// app to be invited. Nobody can /invite the app into a DM, so the fix is the app's own settings.
const DM_CHANNEL =
  "Slack would not let the app post in its direct messages with the recipient (no /invite can add it to a DM): check that the app's Messages tab is on (App Home in the app's Slack settings, as manifest.yml sets it) and that the recipient may use the app"
// The same codes for the win-rate alert: a channel the app was not invited to, or one Slack does not know (deleted, or private without the app).
const ALERT_CHANNEL =
  'Slack would not let the app post in the alert channel (it is not a member, or Slack knows no such channel): invite it with /invite @Sales Pulse in the channel PULSE_ALERT_CHANNEL names, or set PULSE_ALERT_CHANNEL to another channel'
/** The codes that mean one thing for a DM ({@link DM_CHANNEL}) and another for the alert channel ({@link ALERT_CHANNEL}). */
const NO_ACCESS: ReadonlySet<string> = new Set(['channel_not_found', 'not_in_channel'])
const ARCHIVED = 'the channel is archived: unarchive it, or set another channel'
const MESSAGE = 'Slack refused the message itself: report it to the Sales Pulse maintainers with the log line that names it'

const FIXES: ReadonlyMap<string, string> = new Map([
  ['cannot_dm_bot', BOT],
  ['user_disabled', DEACTIVATED],
  ['user_not_found', "Slack has no such user any more: check the owner's email in the CRM (a manager's in the roster)"],
  [
    'user_not_visible',
    "the app may not see or message that user (a guest, or someone outside the app's workspace): add the app to their workspace, or give the deal to another owner in the CRM",
  ],
  ['channel_not_found', DM_CHANNEL],
  ['not_in_channel', DM_CHANNEL],
  ['is_archived', ARCHIVED],
  ['channel_is_archived', ARCHIVED],
  [
    'restricted_action',
    "Slack's settings keep the app from posting there (who may post in the channel, or who may send DMs): ask a Slack admin to let the app post",
  ],
  ['invalid_blocks', MESSAGE],
  ['invalid_arguments', MESSAGE],
  ['msg_too_long', MESSAGE],
  ['no_text', MESSAGE],
  ['too_many_attachments', MESSAGE],
  ['invalid_metadata_format', MESSAGE],
])

/** Where the refused messages were going: DMs (stalled deals, digests), the alert channel, or some of each. */
export type RefusedTo = 'dm' | 'channel' | 'both'

/**
 * What to do about a message Slack refused for good with error `code` (from Slack's `ok: false`
 * answer): one clause naming the cause and the fix, for `pulse status`, `pulse alerts` and the
 * admins' job-failure notice. An unknown code is named as Slack's own, with where to look it up.
 * `to` says where the messages were going: a channel alert Slack will not let the app post
 * (`channel_not_found`, `not_in_channel`) is fixed in the channel, a DM in the app's settings.
 *
 * @example slackRefusalFix('user_disabled') // "the recipient's Slack account is deactivated: reactivate it in Slack, ..."
 * @example slackRefusalFix('not_in_channel', 'channel') // "Slack would not let the app post in the alert channel ...: invite it ..."
 */
export function slackRefusalFix(code: string, to: RefusedTo = 'dm'): string {
  if (NO_ACCESS.has(code) && to === 'channel') return ALERT_CHANNEL
  if (NO_ACCESS.has(code) && to === 'both') return `for the DMs, ${DM_CHANNEL}; for the win-rate alert, ${ALERT_CHANNEL}`
  // Slack's codes are snake_case words; anything else in the field is not repeated to people.
  const named = /^[a-z0-9_]{1,60}$/.test(code) ? `"${code}"` : 'an error'
  return (
    FIXES.get(code) ??
    `Slack answers ${named} for it, which will not change by trying again: look the code up among the errors of Slack's chat.postMessage and conversations.open methods`
  )
}

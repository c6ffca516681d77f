/**
 * What is wrong with a verified request body of a kind Sales Pulse runs (a slash command, a
 * `block_actions` click, an Events API callback), in a few words naming the field, or undefined
 * when nothing is. Slack always sends these fields, in these types; a hand-written client or
 * fake may not, and Bolt and the listeners read them without a check (`body.user.id`,
 * `'id' in event.channel`, `command.text.replace`), so such a body would otherwise get an
 * HTTP 500 or a 404 after three seconds, and an error in the log. A field Slack may leave out
 * (or send as null) is not a flaw. Never quotes a value from the body. Pure.
 *
 * @example payloadFlaw({ type: 'block_actions', actions: [] }) // 'a block_actions payload with no user.id'
 */
export function payloadFlaw(body: unknown): string | undefined {
  if (!isObject(body)) return undefined
  if (typeof body.command === 'string') return commandFlaw(body)
  if (body.type === 'block_actions') return clickFlaw(body)
  if (body.type === 'event_callback' && isObject(body.event) && typeof body.event.type === 'string') return eventFlaw(body, body.event)
  return undefined
}

type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)
const absent = (value: unknown) => value === undefined || value === null
const nonEmptyText = (value: unknown) => typeof value === 'string' && value !== ''

/** The fields of a slash command the app reads, each text when given (a form always sends text). */
const COMMAND_TEXT_FIELDS = ['text', 'user_id', 'channel_id', 'response_url', 'trigger_id', 'team_id', 'enterprise_id'] as const

function commandFlaw(body: Fields): string | undefined {
  if (!/^\/\S/.test(body.command as string)) return 'a slash command whose command is not a /name'
  const wrong = COMMAND_TEXT_FIELDS.find((field) => !absent(body[field]) && typeof body[field] !== 'string')
  if (wrong === undefined) return undefined
  // A form that repeats a field is read as a list of its values.
  return `a slash command whose ${wrong} is ${Array.isArray(body[wrong]) ? 'given more than once' : 'not text'}`
}

function clickFlaw(body: Fields): string | undefined {
  const what = 'a block_actions payload'
  if (!isObject(body.user) || !nonEmptyText(body.user.id)) return `${what} with no user.id`
  if (!Array.isArray(body.actions) || body.actions.length === 0) return `${what} with no actions`
  const action = body.actions[0] as unknown
  if (!isObject(action) || !nonEmptyText(action.action_id)) return `${what} whose first action has no action_id`
  // Bolt reads `channel.id` of any channel but an absent one, and `team.id` of any team but a null one.
  if (body.channel !== undefined && !isObject(body.channel)) return `${what} whose channel is not an object`
  for (const field of ['team', 'enterprise', 'container', 'message', 'view'] as const) {
    if (!absent(body[field]) && !isObject(body[field])) return `${what} whose ${field} is not an object`
  }
  if (isObject(body.message) && body.message.blocks !== undefined && !Array.isArray(body.message.blocks))
    return `${what} whose message.blocks is not a list`
  return undefined
}

function eventFlaw(body: Fields, event: Fields): string | undefined {
  const what = `an event_callback (${event.type === '' ? 'no type' : clipType(event.type as string)})`
  // Bolt reads the first authorization's fields whenever there is one.
  if (Array.isArray(body.authorizations) && body.authorizations.length > 0 && !isObject(body.authorizations[0]))
    return `${what} whose authorizations[0] is not an object`
  // Bolt reads `event.user.id` of an object user (null included), and looks into a channel, item or subteam that is not text.
  if (event.user !== undefined && typeof event.user !== 'string' && !isObject(event.user)) return `${what} whose event.user is not text`
  if (event.channel !== undefined && typeof event.channel !== 'string' && !isObject(event.channel))
    return `${what} whose event.channel is neither text nor an object`
  for (const field of ['item', 'subteam'] as const) {
    if (event[field] !== undefined && !isObject(event[field])) return `${what} whose event.${field} is not an object`
  }
  // The Home tab is published for the user the event names.
  if (event.type === 'app_home_opened' && !nonEmptyText(event.user)) return `${what} with no event.user`
  return undefined
}

// An event type as the log shows it: Slack's are short words; anything else is cut.
function clipType(type: string): string {
  return /^[a-z_.]{1,40}$/.test(type) ? type : 'an unknown type'
}

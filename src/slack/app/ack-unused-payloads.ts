import type { App } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'
import { payloadFlaw } from './payload-flaw.js'

/**
 * Whether Sales Pulse has a listener for a verified request body: a slash command, a
 * `block_actions` click naming its `action_id`, or an Events API callback carrying an event.
 * Everything else Slack can deliver to the request URL (`view_submission`, `view_closed`,
 * `shortcut`, `message_action`, `block_suggestion`, legacy `interactive_message` and
 * `dialog_*` payloads, types added later) is not used by the app.
 */
export function isUsedPayload(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  const b = body as { type?: unknown; command?: unknown; actions?: unknown; event?: unknown }
  if (typeof b.command === 'string') return true
  if (b.type === 'block_actions') {
    const first = Array.isArray(b.actions) ? (b.actions[0] as { action_id?: unknown } | undefined) : undefined
    return typeof first?.action_id === 'string'
  }
  if (b.type === 'event_callback') return typeof (b.event as { type?: unknown } | undefined)?.type === 'string'
  return false
}

/**
 * Makes the app acknowledge every verified payload it does not use (see {@link isUsedPayload})
 * with an empty HTTP 200 at once, logged at debug level, without running Bolt on it. Bolt
 * leaves a payload no listener acks (or whose type it cannot tell) unanswered, so its receiver
 * replies 404 after three seconds: Slack then shows the person an error (a modal's submit, a
 * shortcut) and counts a failed delivery. A payload of a kind the app runs that lacks a field
 * Slack always sends, or sends it in another type (see {@link payloadFlaw}: a click with no
 * user or no action), is acknowledged the same way, not run, and logged as one warning naming
 * the field (never the body). Runs after the receiver has verified the signature.
 */
export function ackUnusedPayloads(app: App, logger: Logger): void {
  const processEvent = app.processEvent.bind(app)
  app.processEvent = async (event) => {
    const flaw = payloadFlaw(event.body)
    if (flaw !== undefined) {
      await event.ack()
      logger.warn(
        `Slack request not run: ${flaw}. Acknowledged (200) and nothing done; Slack itself always sends that field, so check the client that posts to this URL.`,
      )
      return
    }
    if (isUsedPayload(event.body)) return processEvent(event)
    await event.ack()
    const type = (event.body as { type?: unknown } | null)?.type
    logger.debug({ type: typeof type === 'string' ? type.slice(0, 40) : undefined }, 'Slack payload the app does not use: acknowledged')
  }
}

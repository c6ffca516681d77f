import type { App } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'

/**
 * Makes the app acknowledge Slack's `app_rate_limited` delivery (an Events API body with no
 * inner event, sent when the workspace's events to the app pass 30,000 an hour) with HTTP 200
 * at once, and log it as a warning naming the minute. Bolt finds no type in such a body and
 * leaves it unacknowledged, so the receiver answers 404 after three seconds, and Slack disables
 * event subscriptions that fail more than 5% of deliveries in an hour. Every other body goes
 * to Bolt unchanged. Runs after the receiver has verified the request's signature.
 */
export function ackAppRateLimited(app: App, logger: Logger): void {
  const processEvent = app.processEvent.bind(app)
  app.processEvent = async (event) => {
    const body = event.body as { type?: unknown; minute_rate_limited?: unknown; team_id?: unknown }
    if (body.type !== 'app_rate_limited') return processEvent(event)
    await event.ack()
    const minute = typeof body.minute_rate_limited === 'number' ? new Date(body.minute_rate_limited * 1000).toISOString() : undefined
    logger.warn(
      { team: typeof body.team_id === 'string' ? body.team_id : undefined, minute },
      'Slack is rate-limiting the events it sends this app (over 30,000 an hour from one workspace): some events are not delivered',
    )
  }
}

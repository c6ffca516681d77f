import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'

/** How long an Events API delivery is remembered (Slack retries within minutes). */
export const EVENT_MEMORY_MS = 60 * 60_000

/** At most this many event ids are remembered (the oldest are forgotten first). */
const MAX_REMEMBERED = 10_000

/**
 * Global middleware: an Events API delivery whose `event_id` this process already handled (a
 * retry, `X-Slack-Retry-Num`, after a slow or lost acknowledgement, or a duplicate) is acked
 * and not handled again. A retry of an event that never arrived is handled as usual. Other
 * requests (commands, buttons) pass through. The memory is per process.
 */
export function dedupeEvents(logger: Logger, nowMs: () => number = Date.now): Middleware<AnyMiddlewareArgs> {
  const seen = new Map<string, number>()
  return async ({ body, context, next }) => {
    const b = body as { type?: unknown; event_id?: unknown }
    if (b.type !== 'event_callback' || typeof b.event_id !== 'string') return next()
    const now = nowMs()
    for (const [id, at] of seen) {
      if (now - at < EVENT_MEMORY_MS && seen.size < MAX_REMEMBERED) break
      seen.delete(id)
    }
    if (seen.has(b.event_id)) {
      logger.info({ eventId: b.event_id, retryNum: context.retryNum, retryReason: context.retryReason }, 'repeated event delivery ignored')
      return
    }
    seen.set(b.event_id, now)
    await next()
  }
}

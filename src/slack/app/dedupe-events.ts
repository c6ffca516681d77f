import { createHash } from 'node:crypto'
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'

/** How long a delivery is remembered (Slack retries within minutes). */
export const EVENT_MEMORY_MS = 60 * 60_000

/** At most this many deliveries are remembered (the oldest are forgotten first). */
const MAX_REMEMBERED = 10_000

/**
 * Global middleware that keeps a repeated delivery from doing its work twice:
 * - an Events API delivery whose `event_id` this process already handled (a retry,
 *   `X-Slack-Retry-Num`, after a slow or lost acknowledgement, or a duplicate) is acked and
 *   dropped; a retry of an event that never arrived is handled as usual;
 * - a slash command or button click marked as a retry (`X-Slack-Retry-Num`) whose body is
 *   identical to one already handled is acked (empty) and dropped. Unmarked requests always
 *   run: two clicks are two requests even when their bodies match.
 * The memory is per process.
 */
export function dedupeEvents(logger: Logger, nowMs: () => number = Date.now): Middleware<AnyMiddlewareArgs> {
  const seen = new Map<string, number>()
  return async (args) => {
    const { body, context, next } = args
    const b = body as { type?: unknown; event_id?: unknown }
    const isEvent = b.type === 'event_callback' && typeof b.event_id === 'string'
    const key = isEvent ? `event:${b.event_id as string}` : `body:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`
    const now = nowMs()
    for (const [id, at] of seen) {
      if (now - at < EVENT_MEMORY_MS && seen.size < MAX_REMEMBERED) break
      seen.delete(id)
    }
    const retry = typeof context.retryNum === 'number' && context.retryNum > 0
    if (seen.has(key) && (isEvent || retry)) {
      logger.info({ key: key.slice(0, 40), retryNum: context.retryNum, retryReason: context.retryReason }, 'repeated delivery ignored')
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)()
      return
    }
    seen.set(key, now)
    await next()
  }
}

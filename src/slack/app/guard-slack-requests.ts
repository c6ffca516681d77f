import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { Logger } from '../../log/create-logger.js'

/** How far Slack's request timestamp may be from our clock, either way (Slack: five minutes). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60

/** The one path where the app takes Slack's requests (commands, clicks and events). */
export const SLACK_EVENTS_PATH = '/slack/events'

const MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'application/json'])

/**
 * Wraps the HTTP receiver's request listener with what Bolt's own checks leave out, before
 * Bolt verifies the v0 signature:
 * - a request timestamp more than {@link MAX_CLOCK_SKEW_SECONDS} in the future gets 401, as
 *   Slack's verification guide asks (Bolt only rejects old ones), and so does one that is not
 *   whole seconds in plain decimal, as Slack writes it (Bolt reads `0x...`, `...e0` or `+...`
 *   as a number, which would slip past the check ahead); each such refusal is logged as a warning
 *   saying why (as Bolt logs the requests it refuses), so a server whose clock runs behind
 *   Slack's, which refuses every request this way, says so instead of failing silently;
 * - `Content-Type: application/x-www-form-urlencoded; charset=utf-8` (or JSON with a charset)
 *   is read like the bare media type: Bolt compares the header exactly, and otherwise answers a
 *   correctly signed slash command with 400 or an `ssl_check` with 401. The signature covers
 *   the body only, so this changes nothing it proves;
 * - the body is read here (up to {@link MAX_BODY_BYTES}, 413 beyond, within {@link BODY_TIMEOUT_MS},
 *   408 after it: Slack sends its few kilobytes at once, while a client trickling a body could
 *   otherwise hold a connection and its buffer for the server's five minutes) and handed to Bolt, so that a
 *   body of JSON `null` (or a form whose `payload` is `null`) gets 400 instead of stopping the
 *   process: Bolt reads a field of the parsed body without checking it;
 * - a form or JSON POST to a path Bolt does not serve (`/slack/events/`, `/`) gets 404, as any
 *   other request there does, instead of stopping the process; when it carries Slack's signature
 *   header, a warning names the path to set as the app's Request URL.
 */
export function guardSlackRequests(
  listener: RequestListener,
  logger: Logger,
  nowMs: () => number = Date.now,
  bodyTimeoutMs: number = BODY_TIMEOUT_MS,
): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      const type = req.headers['content-type']
      const media = type?.split(';')[0]?.trim().toLowerCase()
      if (media && MEDIA_TYPES.has(media)) req.headers['content-type'] = media
      const ts = req.headers['x-slack-request-timestamp']
      // Absent: Bolt refuses it (an unsigned ssl_check needs none).
      if (typeof ts === 'string') {
        const refusal = timestampRefusal(ts, Math.floor(nowMs() / 1000))
        if (refusal !== null) {
          logger.warn({ path: req.url?.split('?')[0] }, refusal)
          res.writeHead(401).end()
          return
        }
      }
      if (media && MEDIA_TYPES.has(media)) {
        readBody(req, MAX_BODY_BYTES, bodyTimeoutMs).then(
          (raw) => {
            if (raw === 'slow') {
              res.writeHead(408, { connection: 'close' }).end(() => req.destroy())
              return
            }
            if (raw === null) {
              res.writeHead(413, { connection: 'close' }).end(() => req.destroy())
              return
            }
            if (isNullBody(raw, media)) {
              res.writeHead(400).end()
              return
            }
            // Bolt reads a body already read from `rawBody` (the bytes it verifies the signature of).
            ;(req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw
            callLater(listener, req, res, logger)
          },
          () => {
            if (!res.headersSent) res.writeHead(400).end()
          },
        )
        return
      }
    }
    listener(req, res)
  }
}

// Why a request's X-Slack-Request-Timestamp is refused (a sentence for the log), or null when Bolt may check it.
function timestampRefusal(ts: string, nowS: number): string | null {
  if (!/^\d+$/.test(ts)) return 'Slack request refused (401): its X-Slack-Request-Timestamp is not whole seconds in plain decimal.'
  const ahead = Number(ts) - nowS
  if (ahead <= MAX_CLOCK_SKEW_SECONDS) return null
  return `Slack request refused (401): it is dated ${ahead} s ahead of this server's clock (at most ${MAX_CLOCK_SKEW_SECONDS} s is allowed either way). If every request is refused so, this server's clock is behind: set it right (NTP) and Slack's requests are taken again.`
}

// Bolt's listener throws for a path it does not serve (its server answers 404 to that): called
// here after the body is read, outside that server's try/catch, the throw would stop the process.
function callLater(listener: RequestListener, req: IncomingMessage, res: ServerResponse, logger: Logger): void {
  try {
    listener(req, res)
  } catch (error) {
    if (res.headersSent) return
    const unhandledPath = (error as { code?: unknown } | null)?.code === 'slack_bolt_http_receiver_deferred_request_error'
    // A request signed as Slack signs them, at another path: the app's Request URL is set wrong
    // (`/slack/events/`, `/`), and every request Slack sends would get 404 without a word.
    if (unhandledPath && typeof req.headers['x-slack-signature'] === 'string') logger.warn(wrongPathWarning(req.url))
    res.writeHead(unhandledPath ? 404 : 500).end()
  }
}

// What the log says of a Slack request that came to a path the app does not serve (it is answered 404).
function wrongPathWarning(url: string | undefined): string {
  const path = (url ?? '').split('?')[0] ?? ''
  const shown = path.length > 100 ? `${path.slice(0, 100)}…` : path
  return `Slack request to ${JSON.stringify(shown)} refused (404): Sales Pulse takes Slack's requests at POST ${SLACK_EVENTS_PATH}. Set the Request URL of the slash command, Interactivity and Event Subscriptions in the app's settings to https://<this server>${SLACK_EVENTS_PATH} (see manifest.yml).`
}

/** The largest request body taken, as Bolt's own limit (larger ones get 413). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

/** How long a request body may take to arrive (longer ones get 408): Slack wants an answer within 3 s. */
export const BODY_TIMEOUT_MS = 10_000

// The body; null once it passes `limit` bytes, 'slow' when it has not ended within `timeoutMs` (reading stops there, what was read is let go).
function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer | null | 'slow'> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = []
    let size = 0
    const stop = (result: null | 'slow') => {
      clearTimeout(timer)
      req.off('data', onData)
      req.pause()
      chunks = []
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        stop(null)
        return
      }
      chunks.push(chunk)
    }
    const timer = setTimeout(() => stop('slow'), timeoutMs)
    req.on('data', onData)
    req.once('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    req.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

// A JSON body, or a form's `payload`, that is `null`: Bolt reads a field of it unguarded and the
// process stops. Anything else (malformed included) is Bolt's to answer.
function isNullBody(raw: Buffer, media: string): boolean {
  try {
    const text = raw.toString('utf8')
    if (media === 'application/json') return JSON.parse(text) === null
    const payload = new URLSearchParams(text).get('payload')
    return payload !== null && JSON.parse(payload) === null
  } catch {
    return false
  }
}

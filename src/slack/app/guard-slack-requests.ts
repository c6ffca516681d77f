import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

/** How far Slack's request timestamp may be from our clock, either way (Slack: five minutes). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60

const MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'application/json'])

/**
 * Wraps the HTTP receiver's request listener with what Bolt's own checks leave out, before
 * Bolt verifies the v0 signature:
 * - a request timestamp more than {@link MAX_CLOCK_SKEW_SECONDS} in the future gets 401, as
 *   Slack's verification guide asks (Bolt only rejects old ones), and so does one that is not
 *   whole seconds in plain decimal, as Slack writes it (Bolt reads `0x...`, `...e0` or `+...`
 *   as a number, which would slip past the check ahead);
 * - `Content-Type: application/x-www-form-urlencoded; charset=utf-8` (or JSON with a charset)
 *   is read like the bare media type: Bolt compares the header exactly, and otherwise answers a
 *   correctly signed slash command with 400 or an `ssl_check` with 401. The signature covers
 *   the body only, so this changes nothing it proves.
 */
export function guardSlackRequests(listener: RequestListener, nowMs: () => number = Date.now): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      const type = req.headers['content-type']
      const media = type?.split(';')[0]?.trim().toLowerCase()
      if (media && MEDIA_TYPES.has(media)) req.headers['content-type'] = media
      const ts = req.headers['x-slack-request-timestamp']
      // Absent: Bolt refuses it (an unsigned ssl_check needs none).
      if (typeof ts === 'string' && (!/^\d+$/.test(ts) || Number(ts) - Math.floor(nowMs() / 1000) > MAX_CLOCK_SKEW_SECONDS)) {
        res.writeHead(401).end()
        return
      }
    }
    listener(req, res)
  }
}

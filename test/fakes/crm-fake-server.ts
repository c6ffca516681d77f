import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a fake saw, with the status it answered. */
export interface SeenRequest {
  method: string
  path: string
  body: string
  status: number
  at: number
}

/** A canned answer queued with `failNext`. */
export interface CannedResponse {
  status: number
  /** A string is sent as is (a malformed body); anything else as JSON. */
  body: unknown
  headers?: Record<string, string>
}

/** What every CRM fake shares: its URL, the requests it saw, canned failures, and `close`. */
export interface FakeServerBase {
  readonly url: string
  readonly requests: SeenRequest[]
  /** Answers the next `times` requests matching `method`/`path` with `response` instead. */
  failNext(match: { method?: string; path?: RegExp | string }, response: CannedResponse, times?: number): void
  /** Drops the canned answers not used yet. */
  clearFailures(): void
  /** Called before each request is handled (e.g. to modify records mid-sync). */
  onRequest: ((method: string, path: string) => void) | undefined
  close(): Promise<void>
}

/** A parsed request handed to a fake's handler. */
export interface FakeRequest {
  method: string
  url: URL
  headers: IncomingMessage['headers']
  body: string
}

/** A handler's answer. */
export interface FakeAnswer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/** A sliding-window counter like the CRMs' own: `take()` is false once `limit` requests fell in the window. */
export function slidingWindow(limit: number, windowMs: number, now: () => number) {
  const hits: number[] = []
  return {
    take(): boolean {
      if (!Number.isFinite(limit)) return true
      const t = now()
      while (hits.length > 0 && (hits[0] as number) <= t - windowMs) hits.shift()
      if (hits.length >= limit) return false
      hits.push(t)
      return true
    },
    remaining(): number {
      return Number.isFinite(limit) ? Math.max(0, limit - hits.length) : 1_000_000
    },
  }
}

/** Starts a `node:http` server on port 0 that answers with `handle` (canned failures first). */
export async function startFakeServer(handle: (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>): Promise<FakeServerBase> {
  const requests: SeenRequest[] = []
  const canned: Array<{ method?: string; path?: RegExp | string; response: CannedResponse; times: number }> = []
  const base: { onRequest: FakeServerBase['onRequest'] } = { onRequest: undefined }
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const url = new URL(req.url ?? '/', 'http://fake')
      const method = req.method ?? 'GET'
      const seen: SeenRequest = { method, path: url.pathname + url.search, body, status: 0, at: Date.now() }
      requests.push(seen)
      let answer: FakeAnswer
      try {
        base.onRequest?.(method, url.pathname)
        const i = canned.findIndex(
          (c) =>
            (c.method === undefined || c.method === method) &&
            (c.path === undefined || (typeof c.path === 'string' ? url.pathname === c.path : c.path.test(url.pathname + url.search))),
        )
        if (i >= 0) {
          const c = canned[i] as (typeof canned)[number]
          if (--c.times <= 0) canned.splice(i, 1)
          answer = c.response
        } else {
          answer = await handle({ method, url, headers: req.headers, body })
        }
      } catch (error) {
        answer = { status: 500, body: { message: (error as Error).message } }
      }
      seen.status = answer.status
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
      res.writeHead(answer.status, { 'content-type': 'application/json;charset=utf-8', ...answer.headers })
      res.end(text)
    })
  })
  // Idle keep-alive connections stay open a minute, as behind a typical load balancer: with Node's
  // 5 s, a client reusing a connection at the moment the fake closes it (a slow, busy test) is reset.
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(match, response, times = 1) {
      canned.push({ ...match, response, times })
    },
    clearFailures() {
      canned.length = 0
    },
    get onRequest() {
      return base.onRequest
    },
    set onRequest(fn) {
      base.onRequest = fn
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

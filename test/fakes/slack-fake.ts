import { createHash, createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** A Slack user the fake knows. */
export interface FakeUser {
  id: string
  email: string | null
  deleted?: boolean
  isBot?: boolean
  /** Their own workspace (default `T0001`, the bot token's): another for a Slack Connect user of another organization. */
  teamId?: string
  /** Their Enterprise Grid organization (`enterprise_user.enterprise_id` in users.info); default none. */
  enterpriseId?: string
  /** On Grid, the workspaces they are a member of (`enterprise_user.teams`); default their own `teamId` only. */
  teams?: string[]
}

/** One Web API call the fake received. */
export interface RecordedCall {
  method: string
  /** Form fields; JSON-valued fields (blocks, view, metadata, files) parsed. */
  params: Record<string, unknown>
  authorization: string | undefined
  at: number
  /** The HTTP status the fake answered with. */
  status: number
}

/** A message the fake accepted (chat.postMessage, or a file shared with blocks). */
export interface FakeMessage {
  channel: string
  ts: string
  text: string | undefined
  blocks: unknown
  metadata: { event_type?: string; event_payload?: Record<string, unknown> } | undefined
  files: Array<{ id: string; title: string | undefined }>
  threadTs: string | undefined
}

/** Options of the fake. */
export interface SlackFakeOptions {
  /** The bot token requests must carry (default `xoxb-test-token`). */
  token?: string
  users?: FakeUser[]
  /** chat.postMessage: at most one message per this many ms per channel; faster gets 429 (default: no limit). */
  perChannelIntervalMs?: number
  /** Retry-After seconds on 429 (default 1). */
  retryAfterSeconds?: number
  /** The app-level token `apps.connections.open` accepts (Socket Mode). */
  appToken?: string
  /**
   * The bot token's scopes, sent in `X-OAuth-Scopes` on every answer as Slack does (default: the
   * manifest's). Without `users:read.email`, users.info and users.lookupByEmail leave emails out.
   */
  scopes?: string[]
  /** views.publish: answer this many ms after taking the view (a slow Slack; default at once). */
  viewsPublishDelayMs?: number
  /** The Enterprise Grid organization of the workspace (auth.test's `enterprise_id`; default: none, not on Grid). */
  enterpriseId?: string
  /**
   * Warnings every `ok:true` answer carries, as Slack adds them (`warning: "a,b"` and
   * `response_metadata.warnings`: `missing_charset`, `superfluous_charset`, `method_deprecated`, ...); default none.
   */
  warnings?: string[]
  /**
   * The HTTP status an upload URL answers when it takes the bytes (default 200, as Slack does); a
   * lenient stand-in for Slack may answer another 2xx (201, 204: no body).
   */
  uploadStatus?: number
}

/** The bot scopes of manifest.yml (the fake's default grant). */
export const MANIFEST_SCOPES = [
  'channels:history',
  'chat:write',
  'commands',
  'files:write',
  'groups:history',
  'im:history',
  'im:write',
  'users:read',
  'users:read.email',
]

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/**
 * A local `node:http` fake of Slack's Web API speaking its wire format: form-encoded calls to
 * `/api/<method>` with `Authorization: Bearer`, `{ ok, ... }` answers, `ok:false` errors, 429 with
 * `Retry-After`, `X-OAuth-Scopes`, the three file-upload steps (`files.getUploadURLExternal` with
 * `filename`, `length`, `alt_txt`; a multipart or raw POST to `upload_url`; `files.completeUploadExternal`), and
 * `response_url` posts at `/respond/<id>`. It records every call.
 */
export class SlackFake {
  readonly calls: RecordedCall[] = []
  readonly messages: FakeMessage[] = []
  /** Bytes uploaded per file id. */
  readonly uploads = new Map<string, Buffer>()
  /** JSON bodies posted to response URLs, in order. */
  readonly responses: Array<{ id: string; body: Record<string, unknown> }> = []
  /** Block Kit limits broken by anything the app sent (Slack would have refused it); empty when all is well. */
  readonly blockKitProblems: string[] = []
  /** Home views published, by user id (latest last). */
  readonly views: Array<{ userId: string; view: { type: string; blocks: unknown[] } }> = []
  readonly users: FakeUser[]
  readonly token: string
  private server: Server | undefined
  private port = 0
  private seq = 0
  private readonly lastPostAt = new Map<string, number>()
  private readonly failures: Array<{ method: string; error: string; times: number }> = []
  private readonly limits: Array<{ method: string; times: number; withoutRetryAfter: boolean }> = []
  private readonly pendingFiles = new Map<string, { filename: string; length: number }>()
  private readonly uploadFailures: number[] = []
  private readonly httpFailures: Array<{ method: string; status: number; times: number }> = []
  private readonly delays: Array<{ method: string; ms: number }> = []
  /** `alt_txt` given to files.getUploadURLExternal, per file id. */
  readonly altTexts = new Map<string, string | undefined>()
  /** When set, chat.postMessage number `n` (1-based) is recorded and then never answered. */
  hangOnPostMessage: number | undefined
  /** When true, a Socket Mode WebSocket is cut at its handshake (a proxy or firewall that lets HTTPS through but not WebSockets). */
  refuseSockets = false
  /** When true, views.publish answers `not_enabled`, as Slack does for an app whose Home tab is turned off in its settings (App Home). */
  homeTabDisabled = false
  private tokenRefusal: { error: string; methods: readonly string[] | undefined } | undefined
  private postMessageCount = 0
  private readonly sockets = new Set<Socket>()
  private readonly envelopeWaiters = new Map<string, (payload: unknown) => void>()

  constructor(private readonly options: SlackFakeOptions = {}) {
    this.users = options.users ?? []
    this.token = options.token ?? 'xoxb-test-token'
  }

  /** Base URL for `SLACK_API_URL` / `slackApiUrl` (ends with `/api/`). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`
  }

  /** A response URL for a fake slash command or action payload. */
  responseUrl(id = `r${++this.seq}`): string {
    return `http://127.0.0.1:${this.port}/respond/${id}`
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res)
    })
    this.server.on('upgrade', (req, socket: Socket) => this.upgrade(req, socket))
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** The next `times` calls of `method` answer `{ ok: false, error }`. */
  /**
   * From now on every call with the bot token gets `ok:false` with `error`, as Slack answers once
   * the app is uninstalled or its token revoked (`token_revoked`, `account_inactive`,
   * `invalid_auth`), or only the calls of `methods` when given; `undefined` makes the token work again.
   */
  refuseToken(error: string | undefined, methods?: readonly string[]): void {
    this.tokenRefusal = error === undefined ? undefined : { error, methods }
  }

  failNext(method: string, error: string, times = 1): void {
    this.failures.push({ method, error, times })
  }

  /** The next POST of file bytes to an upload URL answers this HTTP status instead of 200. */
  failNextUpload(status: number): void {
    this.uploadFailures.push(status)
  }

  /** Forgets every failure, rate limit, outage and delay still queued. */
  resetFailures(): void {
    this.failures.length = 0
    this.limits.length = 0
    this.httpFailures.length = 0
    this.uploadFailures.length = 0
    this.delays.length = 0
  }

  /**
   * The next `times` calls of `method` answer with HTTP `status` (a Slack outage: 500, 503);
   * `'response_url'` refuses the next posts to a response URL likewise (404: expired or used up).
   */
  failNextHttp(method: string, status: number, times = 1): void {
    this.httpFailures.push({ method, status, times })
  }

  /**
   * The next call of `method` is recorded at once, then taken and answered `ms` later (a slow
   * Slack). `'response_url'` delays the next post to a response URL likewise, and `'upload'` the
   * answer to the next POST of file bytes to an upload URL (a stuck upload address).
   */
  delayNext(method: string, ms: number): void {
    this.delays.push({ method, ms })
  }

  /**
   * The next `times` calls of `method` answer 429 with Retry-After; with `withoutRetryAfter`, 429
   * with no Retry-After header at all (a proxy or gateway in Slack's place may send one so).
   */
  rateLimitNext(method: string, times = 1, withoutRetryAfter = false): void {
    this.limits.push({ method, times, withoutRetryAfter })
  }

  /** Calls of one method. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method)
  }

  /** Every uploaded file that is a PNG. */
  pngUploads(): Buffer[] {
    return [...this.uploads.values()].filter((b) => b.subarray(0, 8).equals(PNG_SIGNATURE))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname.startsWith('/respond/')) {
      const posted = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>
      this.checkBlocks('response_url', posted.blocks, 50)
      this.responses.push({ id: url.pathname.slice(9), body: posted })
      const delay = this.delays.findIndex((d) => d.method === 'response_url')
      if (delay >= 0) await new Promise((resolve) => setTimeout(resolve, this.delays.splice(delay, 1)[0]?.ms ?? 0))
      // Slack refuses a response URL used more than 5 times or older than 30 minutes (404), or in an outage (5xx).
      const refusal = this.httpFailures.find((f) => f.method === 'response_url' && f.times > 0)
      if (refusal) {
        refusal.times--
        res.writeHead(refusal.status, { 'content-type': 'text/plain' }).end('refused')
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      return
    }
    if (url.pathname.startsWith('/upload/')) {
      const fileId = url.pathname.slice(8)
      if (!this.pendingFiles.has(fileId)) {
        res.writeHead(404).end()
        return
      }
      const delay = this.delays.findIndex((d) => d.method === 'upload')
      if (delay >= 0) await new Promise((resolve) => setTimeout(resolve, this.delays.splice(delay, 1)[0]?.ms ?? 0))
      const failure = this.uploadFailures.shift()
      if (failure !== undefined) {
        res.writeHead(failure, { 'content-type': 'text/plain' }).end('upload failed')
        return
      }
      const file = extractMultipartFile(body, String(req.headers['content-type'] ?? ''))
      this.uploads.set(fileId, file ?? body)
      const taken = this.options.uploadStatus ?? 200
      if (taken === 204) res.writeHead(204).end()
      else res.writeHead(taken, { 'content-type': 'text/plain' }).end(`OK - ${body.length}`)
      return
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404).end()
      return
    }
    const method = url.pathname.slice(5)
    const params = parseForm(body.toString('utf8'), String(req.headers['content-type'] ?? ''))
    const call: RecordedCall = { method, params, authorization: req.headers.authorization, at: Date.now(), status: 200 }
    this.calls.push(call)
    const delay = this.delays.findIndex((d) => d.method === method)
    if (delay >= 0) {
      const ms = this.delays.splice(delay, 1)[0]?.ms ?? 0
      await new Promise((resolve) => setTimeout(resolve, ms))
    }
    const scopes = this.options.scopes ?? MANIFEST_SCOPES
    const warnings = this.options.warnings ?? []
    const send = (status: number, answer: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.status = status
      const payload =
        answer.ok === true && warnings.length > 0
          ? {
              ...answer,
              warning: warnings.join(','),
              response_metadata: { ...(answer.response_metadata as Record<string, unknown> | undefined), warnings },
            }
          : answer
      res
        .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-oauth-scopes': scopes.join(','), ...headers })
        .end(JSON.stringify(payload))
    }
    const userJson = (u: FakeUser) => ({
      id: u.id,
      team_id: u.teamId ?? 'T0001',
      ...(u.enterpriseId
        ? { enterprise_user: { id: u.id, enterprise_id: u.enterpriseId, enterprise_name: 'Org', teams: u.teams ?? [u.teamId ?? 'T0001'] } }
        : {}),
      name: u.id.toLowerCase(),
      deleted: u.deleted ?? false,
      is_bot: u.isBot ?? false,
      profile: u.email && scopes.includes('users:read.email') ? { email: u.email } : {},
    })
    if (method === 'apps.connections.open') {
      // The bot token in the app token's place, as Slack answers it.
      if (req.headers.authorization === `Bearer ${this.token}`) return send(200, { ok: false, error: 'not_allowed_token_type' })
      if (!this.options.appToken || req.headers.authorization !== `Bearer ${this.options.appToken}`)
        return send(200, { ok: false, error: 'invalid_auth' })
      return send(200, { ok: true, url: `ws://127.0.0.1:${this.port}/socket` })
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(200, { ok: false, error: 'invalid_auth' })
    const refusal = this.tokenRefusal
    if (refusal && (refusal.methods === undefined || refusal.methods.includes(method)))
      return send(200, { ok: false, error: refusal.error })
    const retryAfter = String(this.options.retryAfterSeconds ?? 1)
    const limit = this.limits.find((l) => l.method === method && l.times > 0)
    if (limit) {
      limit.times--
      return send(429, { ok: false, error: 'ratelimited' }, limit.withoutRetryAfter ? {} : { 'retry-after': retryAfter })
    }
    const outage = this.httpFailures.find((f) => f.method === method && f.times > 0)
    if (outage) {
      outage.times--
      call.status = outage.status
      res.writeHead(outage.status, { 'content-type': 'text/html' }).end('<html>upstream error</html>')
      return
    }
    const failure = this.failures.find((f) => f.method === method && f.times > 0)
    if (failure) {
      failure.times--
      return send(200, { ok: false, error: failure.error })
    }
    switch (method) {
      case 'auth.test':
        return send(200, {
          ok: true,
          url: 'https://acme.slack.com/',
          team: 'Acme',
          user: 'pulse',
          team_id: 'T0001',
          ...(this.options.enterpriseId ? { enterprise_id: this.options.enterpriseId } : {}),
          user_id: 'UBOT0001',
          bot_id: 'BBOT0001',
        })
      case 'users.info': {
        const u = this.users.find((x) => x.id === params.user)
        if (!u) return send(200, { ok: false, error: 'user_not_found' })
        return send(200, { ok: true, user: userJson(u) })
      }
      case 'users.lookupByEmail': {
        const email = String(params.email ?? '').toLowerCase()
        const u = this.users.find((x) => x.email?.toLowerCase() === email)
        if (!u) return send(200, { ok: false, error: 'users_not_found' })
        return send(200, { ok: true, user: userJson(u) })
      }
      case 'conversations.open': {
        const user = String(params.users ?? '')
        const known = this.users.find((x) => x.id === user)
        if (!known) return send(200, { ok: false, error: 'user_not_found' })
        // As Slack answers for a deactivated account or a bot user.
        if (known.deleted) return send(200, { ok: false, error: 'user_disabled' })
        if (known.isBot) return send(200, { ok: false, error: 'cannot_dm_bot' })
        return send(200, { ok: true, channel: { id: `D${user.slice(1)}` } })
      }
      case 'conversations.history': {
        const channel = String(params.channel ?? '')
        const oldest = Number(params.oldest ?? 0)
        const messages = this.messages
          .filter((m) => m.channel === channel && Number(m.ts) >= oldest)
          .reverse()
          .map((m) => ({
            type: 'message',
            ts: m.ts,
            text: m.text,
            ...(params.include_all_metadata && m.metadata ? { metadata: m.metadata } : {}),
            files: m.files,
          }))
        return send(200, { ok: true, messages, has_more: false, response_metadata: { next_cursor: '' } })
      }
      case 'chat.postMessage': {
        const channel = String(params.channel ?? '')
        if (!channel) return send(200, { ok: false, error: 'channel_not_found' })
        if (!params.text && !params.blocks) return send(200, { ok: false, error: 'no_text' })
        if (this.checkBlocks(method, params.blocks, 50)) return send(200, { ok: false, error: 'invalid_blocks' })
        const interval = this.options.perChannelIntervalMs
        const now = Date.now()
        if (interval !== undefined) {
          const last = this.lastPostAt.get(channel)
          if (last !== undefined && now - last < interval)
            return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': retryAfter })
          this.lastPostAt.set(channel, now)
        }
        const message = this.record(channel, params, [])
        this.postMessageCount++
        if (this.hangOnPostMessage !== undefined && this.postMessageCount >= this.hangOnPostMessage) return // never answered
        return send(200, { ok: true, channel, ts: message.ts, message: { text: message.text, ts: message.ts } })
      }
      case 'chat.postEphemeral':
        if (!params.channel || !params.user) return send(200, { ok: false, error: 'channel_not_found' })
        return send(200, { ok: true, message_ts: this.nextTs() })
      case 'chat.update': {
        const message = this.messages.find((m) => m.channel === params.channel && m.ts === params.ts)
        if (!message) return send(200, { ok: false, error: 'message_not_found' })
        if (this.checkBlocks(method, params.blocks, 50)) return send(200, { ok: false, error: 'invalid_blocks' })
        message.text = params.text as string | undefined
        message.blocks = params.blocks
        return send(200, { ok: true, channel: message.channel, ts: message.ts, text: message.text })
      }
      case 'views.publish': {
        if (this.homeTabDisabled) return send(200, { ok: false, error: 'not_enabled' })
        const view = params.view as { type: string; blocks: unknown[] }
        if (view?.type !== 'home') return send(200, { ok: false, error: 'invalid_arguments' })
        if (this.checkBlocks(method, view.blocks, 100)) return send(200, { ok: false, error: 'invalid_blocks' })
        this.views.push({ userId: String(params.user_id), view })
        const answer = { ok: true, view: { id: `V${++this.seq}`, hash: `h${this.seq}`, type: 'home' } }
        if (this.options.viewsPublishDelayMs) return void setTimeout(() => send(200, answer), this.options.viewsPublishDelayMs)
        return send(200, answer)
      }
      case 'files.getUploadURLExternal': {
        const length = Number(params.length)
        if (!params.filename || !Number.isInteger(length) || length <= 0) return send(200, { ok: false, error: 'missing_argument' })
        const alt = params.alt_txt === undefined ? undefined : String(params.alt_txt)
        if (alt !== undefined && alt.length > 1000) return send(200, { ok: false, error: 'alt_txt_too_large' })
        const id = `F${String(++this.seq).padStart(10, '0')}`
        this.pendingFiles.set(id, { filename: String(params.filename), length })
        this.altTexts.set(id, alt)
        return send(200, { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${id}`, file_id: id })
      }
      case 'files.completeUploadExternal': {
        const files = (params.files as Array<{ id: string; title?: string }>) ?? []
        if (this.checkBlocks(method, params.blocks, 50)) return send(200, { ok: false, error: 'invalid_blocks' })
        for (const f of files) if (!this.uploads.has(f.id)) return send(200, { ok: false, error: 'file_not_found' })
        const channel = params.channel_id ? String(params.channel_id) : undefined
        if (channel)
          this.record(
            channel,
            params,
            files.map((f) => ({ id: f.id, title: f.title })),
          )
        return send(200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) })
      }
      default:
        return send(200, { ok: false, error: 'unknown_method' })
    }
  }

  /**
   * Checks blocks against Block Kit's documented limits and records each problem in
   * {@link blockKitProblems}; returns true when there is one (Slack then answers `invalid_blocks`).
   */
  private checkBlocks(where: string, blocks: unknown, maxBlocks: number): boolean {
    if (blocks === undefined) return false
    const problems = blockKitProblems(blocks, maxBlocks).map((p) => `${where}: ${p}`)
    this.blockKitProblems.push(...problems)
    return problems.length > 0
  }

  /** Socket Mode connections currently open. */
  get socketCount(): number {
    return this.sockets.size
  }

  /**
   * Sends a Socket Mode envelope (`slash_commands`, `events_api`, `interactive`) to every connected
   * app and resolves with the app's ack (`{ envelope_id, payload }`).
   */
  sendEnvelope(type: string, payload: unknown): Promise<unknown> {
    const id = `env-${++this.seq}`
    const acked = new Promise<unknown>((resolve) => this.envelopeWaiters.set(id, resolve))
    const text = JSON.stringify({
      envelope_id: id,
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      retry_attempt: 0,
      retry_reason: '',
    })
    for (const s of this.sockets) s.write(wsFrame(1, Buffer.from(text)))
    return acked
  }

  // A minimal RFC 6455 server: the handshake, text frames, ping -> pong, close.
  private upgrade(req: IncomingMessage, socket: Socket): void {
    const key = req.headers['sec-websocket-key']
    if (this.refuseSockets || !req.url?.startsWith('/socket') || typeof key !== 'string') {
      socket.destroy()
      return
    }
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => this.sockets.delete(socket))
    let buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const frame = readWsFrame(buffer)
        if (!frame) break
        buffer = buffer.subarray(frame.size)
        if (frame.opcode === 9) socket.write(wsFrame(10, frame.payload))
        else if (frame.opcode === 8) socket.end(wsFrame(8, Buffer.alloc(0)))
        else if (frame.opcode === 1) {
          const message = JSON.parse(frame.payload.toString('utf8')) as { envelope_id?: string }
          const waiter = message.envelope_id ? this.envelopeWaiters.get(message.envelope_id) : undefined
          if (waiter && message.envelope_id) {
            this.envelopeWaiters.delete(message.envelope_id)
            waiter(message)
          }
        }
      }
    })
    socket.write(wsFrame(1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0001' } }))))
  }

  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`
  }

  private record(channel: string, params: Record<string, unknown>, files: FakeMessage['files']): FakeMessage {
    const m: FakeMessage = {
      channel,
      ts: this.nextTs(),
      text: (params.text ?? params.initial_comment) as string | undefined,
      blocks: params.blocks,
      metadata: params.metadata as FakeMessage['metadata'],
      files,
      threadTs: params.thread_ts as string | undefined,
    }
    this.messages.push(m)
    return m
  }
}

function wsFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 255]) : Buffer.alloc(10)
  if (n >= 65536) {
    head[0] = 0x80 | opcode
    head[1] = 127
    head.writeBigUInt64BE(BigInt(n), 2)
  }
  return Buffer.concat([head, payload])
}

function readWsFrame(buf: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buf.length < 2) return undefined
  const opcode = (buf[0] as number) & 0x0f
  const masked = ((buf[1] as number) & 0x80) !== 0
  let len = (buf[1] as number) & 0x7f
  let offset = 2
  if (len === 126) {
    if (buf.length < 4) return undefined
    len = buf.readUInt16BE(2)
    offset = 4
  } else if (len === 127) {
    if (buf.length < 10) return undefined
    len = Number(buf.readBigUInt64BE(2))
    offset = 10
  }
  const maskAt = offset
  if (masked) offset += 4
  if (buf.length < offset + len) return undefined
  const payload = Buffer.from(buf.subarray(offset, offset + len))
  if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (buf[maskAt + (i % 4)] as number)
  return { opcode, payload, size: offset + len }
}

type TextObject = { type?: unknown; text?: unknown }

/**
 * What breaks Block Kit's documented limits in `blocks`: at most `maxBlocks` blocks (50 in a
 * message, 100 in a Home view); header plain text 1-150; section text 1-3,000 and at most 10
 * fields of 1-2,000; context at most 10 elements; actions at most 25 elements; button text
 * 1-75, `value` at most 2,000, `action_id` at most 255, `url` at most 3,000; image `alt_text`
 * 1-2,000 and `image_url` at most 3,000; `block_id` at most 255.
 */
export function blockKitProblems(blocks: unknown, maxBlocks: number): string[] {
  const out: string[] = []
  if (!Array.isArray(blocks)) return ['blocks is not an array']
  if (blocks.length > maxBlocks) out.push(`${blocks.length} blocks (at most ${maxBlocks})`)
  const text = (t: unknown, max: number, what: string, kind?: string) => {
    const o = t as TextObject | undefined
    if (!o || typeof o.text !== 'string') return out.push(`${what}: no text`)
    if (kind && o.type !== kind) out.push(`${what}: must be ${kind}`)
    if (o.text.length === 0 || o.text.length > max) out.push(`${what}: text length ${o.text.length} (1-${max})`)
    // Half an emoji (a lone surrogate) makes the JSON unreadable to Slack.
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(o.text))
      out.push(`${what}: text holds half an emoji (a lone surrogate)`)
    return 0
  }
  for (const [i, raw] of blocks.entries()) {
    const b = raw as Record<string, unknown>
    const at = `block ${i} (${String(b.type)})`
    if (typeof b.block_id === 'string' && b.block_id.length > 255) out.push(`${at}: block_id too long`)
    if (b.type === 'header') text(b.text, 150, at, 'plain_text')
    else if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) out.push(`${at}: needs text or fields`)
      if (b.text !== undefined) text(b.text, 3000, at)
      if (b.fields !== undefined) {
        const f = b.fields as unknown[]
        if (f.length === 0 || f.length > 10) out.push(`${at}: ${f.length} fields (1-10)`)
        for (const x of f) text(x, 2000, `${at} field`)
      }
    } else if (b.type === 'context') {
      const e = (b.elements as unknown[]) ?? []
      if (e.length === 0 || e.length > 10) out.push(`${at}: ${e.length} elements (1-10)`)
      for (const x of e) if ((x as TextObject).type !== 'image') text(x, 3000, `${at} element`)
    } else if (b.type === 'actions') {
      const e = (b.elements as Array<Record<string, unknown>>) ?? []
      if (e.length === 0 || e.length > 25) out.push(`${at}: ${e.length} elements (1-25)`)
      for (const x of e) {
        if (x.type !== 'button') continue
        text(x.text, 75, `${at} button`, 'plain_text')
        if (typeof x.value === 'string' && x.value.length > 2000) out.push(`${at}: button value too long`)
        if (typeof x.action_id === 'string' && x.action_id.length > 255) out.push(`${at}: action_id too long`)
        if (typeof x.url === 'string' && x.url.length > 3000) out.push(`${at}: button url too long`)
        if (typeof x.url === 'string' && (/\s/.test(x.url) || !URL.canParse(x.url))) out.push(`${at}: invalid_url`)
      }
    } else if (b.type === 'image') {
      const alt = b.alt_text
      if (typeof alt !== 'string' || alt.length === 0 || alt.length > 2000) out.push(`${at}: alt_text length (1-2000)`)
      const hasUrl = typeof b.image_url === 'string'
      if (hasUrl === (b.slack_file !== undefined)) out.push(`${at}: needs image_url or slack_file`)
      if (hasUrl && (b.image_url as string).length > 3000) out.push(`${at}: image_url too long`)
      if (b.title !== undefined) text(b.title, 2000, `${at} title`, 'plain_text')
    } else if (b.type !== 'divider' && b.type !== 'rich_text') out.push(`${at}: unknown block type`)
  }
  return out
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseForm(text: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return text ? JSON.parse(text) : {}
  const out: Record<string, unknown> = {}
  for (const [k, v] of new URLSearchParams(text)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v
  }
  return out
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v)
  } catch {
    return v
  }
}

function extractMultipartFile(body: Buffer, contentType: string): Buffer | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]
  if (!boundary) return undefined
  const delimiter = Buffer.from(`--${boundary}`)
  let start = body.indexOf(delimiter)
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length)
    if (next === -1) break
    const part = body.subarray(start + delimiter.length + 2, next - 2)
    const headerEnd = part.indexOf('\r\n\r\n')
    if (headerEnd !== -1 && /filename=/.test(part.subarray(0, headerEnd).toString('utf8'))) return Buffer.from(part.subarray(headerEnd + 4))
    start = next
  }
  return undefined
}

/** Headers for a request to the app signed with Slack's v0 scheme (`timestamp` in unix seconds). */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature }
}

// Slack gives every command and click a trigger_id of its own (`13345224609.738474920.8088930838d88f008e0`).
let triggers = 0
const nextTriggerId = () => `${1_700_000_000 + ++triggers}.738474920.${triggers.toString(16).padStart(8, '0')}`

/** A slash command as Slack posts it (form-encoded), with a trigger_id of its own. */
export function slashCommandBody(fields: { userId: string; text: string; channelId?: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0001',
    team_domain: 'acme',
    channel_id: fields.channelId ?? 'C0000GENERAL',
    channel_name: 'general',
    user_id: fields.userId,
    user_name: fields.userId.toLowerCase(),
    command: '/pulse',
    text: fields.text,
    api_app_id: 'A0001',
    response_url: fields.responseUrl,
    trigger_id: nextTriggerId(),
  }).toString()
}

/** A block_actions payload as Slack posts it (`payload=<json>`, form-encoded), with a trigger_id of its own. */
export function blockActionBody(fields: {
  userId: string
  actionId: string
  value: string
  responseUrl: string
  channelId?: string
  blocks?: unknown[]
}): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0001', domain: 'acme' },
    user: { id: fields.userId, name: fields.userId.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: fields.channelId ?? 'DOWNER', is_ephemeral: false },
    trigger_id: nextTriggerId(),
    channel: { id: fields.channelId ?? 'DOWNER', name: 'directmessage' },
    message: { type: 'message', ts: '1700000000.000100', text: 'deal', blocks: fields.blocks ?? [] },
    response_url: fields.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: fields.actionId,
        block_id: 'b1',
        value: fields.value,
        action_ts: '1700000001.000200',
        text: { type: 'plain_text', text: 'x' },
      },
    ],
  }
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
}

/** An `app_home_opened` event callback (JSON). */
export function appHomeOpenedBody(userId: string): string {
  return eventCallbackBody({
    type: 'app_home_opened',
    user: userId,
    channel: `D${userId.slice(1)}`,
    tab: 'home',
    event_ts: `${Date.now() / 1000}`,
  })
}

/** An Events API callback (JSON) carrying `event` (`{ type: 'app_uninstalled' }`, say). */
export function eventCallbackBody(event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0001',
    api_app_id: 'A0001',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 10)}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
    authorizations: [{ team_id: 'T0001', user_id: 'UBOT0001', is_bot: true }],
  })
}

/** POSTs a signed request to the app's `/slack/events`; returns status and body text. */
export async function postSigned(
  appUrl: string,
  signingSecret: string,
  body: string,
  contentType: 'application/x-www-form-urlencoded' | 'application/json',
  timestamp?: number,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${appUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...signSlackRequest(signingSecret, body, timestamp) },
    body,
  })
  return { status: res.status, text: await res.text() }
}

/** Waits until `check()` is true (polling), or throws after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

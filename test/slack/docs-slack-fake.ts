import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A second fake Slack, written only from Slack's documented wire formats (see
 * `/work/shared/reference/slack.md`), independent of `test/fakes/slack-fake.ts`. It checks each
 * Web API call the way the docs describe it (Bearer token, form or JSON body, required
 * arguments, id shapes, Block Kit limits) and records every departure in `violations`, so a
 * test can assert that our app sends nothing real Slack would refuse.
 */

/** One Web API call as received. */
export interface DocsCall {
  readonly method: string
  readonly contentType: string
  readonly params: Record<string, unknown>
}

/** One post to a `response_url`. */
export interface DocsResponsePost {
  readonly id: string
  readonly contentType: string
  readonly body: Record<string, unknown>
}

/** A user of the fake workspace. */
export interface DocsUser {
  readonly id: string
  readonly email: string
}

const CHANNEL_ID = /^[CGDZ][A-Z0-9]{8,}$/
const USER_ID = /^[UW][A-Z0-9]{8,}$/
const TS = /^\d+\.\d{6}$/
const FILE_ID = /^F[A-Z0-9]{8,}$/
const BLOCK_TYPES = new Set(['section', 'header', 'context', 'divider', 'actions', 'image', 'input', 'rich_text', 'file', 'video'])
const ELEMENT_TYPES = new Set([
  'button',
  'static_select',
  'overflow',
  'datepicker',
  'users_select',
  'conversations_select',
  'channels_select',
])

/** The fake. `start()` it, point `SLACK_API_URL` at `apiUrl`, then read `calls` and `violations`. */
export class DocsSlackFake {
  readonly token = 'xoxb-docs-1111-2222-abcdef'
  readonly calls: DocsCall[] = []
  readonly responses: DocsResponsePost[] = []
  readonly uploads: { id: string; bytes: number; contentType: string; hasPng: boolean }[] = []
  readonly violations: string[] = []
  private server: Server | undefined
  private port = 0
  private nextId = 1
  private readonly pendingFiles = new Map<string, { length: number; uploaded: boolean }>()
  private readonly rateLimits = new Map<string, number>()
  private readonly responseUses = new Map<string, number>()
  private readonly history = new Map<string, Array<{ ts: string; text: unknown; metadata?: unknown }>>()
  private readonly dropAnswers = new Set<string>()
  private readonly expired = new Set<string>()
  /** Channels (`C…`/`G…`) the bot is a member of; posting elsewhere answers `not_in_channel`. DMs always work. */
  readonly memberOf = new Set<string>(['C0ALERTS01'])

  constructor(private readonly users: DocsUser[]) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`
  }

  /** A fresh response URL for one incoming request. */
  responseUrl(): string {
    return `http://127.0.0.1:${this.port}/respond/R${this.nextId++}`
  }

  /** The next call of `method` is carried out, but its answer is lost (the connection drops). */
  dropNextAnswer(method: string): void {
    this.dropAnswers.add(method)
  }

  /** The response URL of this id answers 404 `expired_url` from now on (Slack: 30 minutes). */
  expireResponseUrl(url: string): void {
    this.expired.add(url.split('/').pop() as string)
  }

  /** The next call of `method` answers 429 with `Retry-After: seconds`. */
  rateLimitOnce(method: string, seconds: number): void {
    this.rateLimits.set(method, seconds)
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(`fake crashed: ${String(error)}`)
        res.writeHead(500).end()
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()))
  }

  /** The calls of one method. */
  called(method: string): DocsCall[] {
    return this.calls.filter((c) => c.method === method)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://x')
    const contentType = (req.headers['content-type'] ?? '').toLowerCase()
    if (url.pathname.startsWith('/respond/')) {
      if (req.method !== 'POST') this.violations.push(`response_url: method ${req.method}`)
      if (!contentType.startsWith('application/json')) this.violations.push(`response_url: content-type ${contentType}, docs say JSON`)
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>
      this.checkResponseBody(body)
      const id = url.pathname.slice('/respond/'.length)
      const uses = (this.responseUses.get(id) ?? 0) + 1
      this.responseUses.set(id, uses)
      // Slack: a response_url takes up to 5 posts within 30 minutes.
      if (this.expired.has(id) || uses > 5) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error: this.expired.has(id) ? 'expired_url' : 'used_url' }))
        return
      }
      this.responses.push({ id: url.pathname.slice('/respond/'.length), contentType, body })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      return
    }
    if (url.pathname.startsWith('/upload/')) {
      const id = url.pathname.slice('/upload/'.length)
      const pending = this.pendingFiles.get(id)
      if (!pending) {
        res.writeHead(404).end()
        return
      }
      const hasPng = raw.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
      // Multipart adds boundaries; raw bytes are exactly `length`. Fewer bytes than declared cannot be the file.
      if (raw.length < pending.length) this.violations.push(`upload ${id}: ${raw.length} bytes, declared length ${pending.length}`)
      if (!contentType.startsWith('multipart/form-data') && raw.length !== pending.length)
        this.violations.push(`upload ${id}: raw body of ${raw.length} bytes, declared ${pending.length}`)
      pending.uploaded = true
      this.uploads.push({ id, bytes: raw.length, contentType, hasPng })
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`)
      return
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404).end()
      return
    }
    const method = url.pathname.slice('/api/'.length)
    const params = parseParams(method, contentType, raw, this.violations)
    this.calls.push({ method, contentType, params })
    const wait = this.rateLimits.get(method)
    if (wait !== undefined) {
      this.rateLimits.delete(method)
      res
        .writeHead(429, { 'retry-after': String(wait), 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: false, error: 'ratelimited' }))
      return
    }
    const auth = req.headers.authorization
    if (!auth) return json(res, { ok: false, error: 'not_authed' })
    if (auth !== `Bearer ${this.token}`) return json(res, { ok: false, error: 'invalid_auth' })
    const answer = this.answer(method, params)
    if (this.dropAnswers.delete(method)) {
      res.socket?.destroy()
      return
    }
    json(res, answer)
  }

  private need(method: string, params: Record<string, unknown>, name: string): string | undefined {
    const v = params[name]
    if (typeof v !== 'string' || v === '') {
      this.violations.push(`${method}: required argument ${name} missing`)
      return undefined
    }
    return v
  }

  private answer(method: string, p: Record<string, unknown>): Record<string, unknown> {
    const v = this.violations
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://docs-test.slack.com/',
          team: 'Docs Test',
          user: 'pulse',
          team_id: 'T0DOCS0001',
          user_id: 'U0BOT00001',
          bot_id: 'B0BOT00001',
        }
      case 'users.info': {
        const id = this.need(method, p, 'user')
        const user = this.users.find((u) => u.id === id)
        if (!user) return { ok: false, error: 'user_not_found' }
        return { ok: true, user: userObject(user) }
      }
      case 'users.lookupByEmail': {
        const email = this.need(method, p, 'email')
        const user = this.users.find((u) => u.email.toLowerCase() === email?.toLowerCase())
        if (!user) return { ok: false, error: 'users_not_found' }
        return { ok: true, user: userObject(user) }
      }
      case 'conversations.open': {
        const users = typeof p.users === 'string' ? p.users : undefined
        if (!users && typeof p.channel !== 'string') v.push('conversations.open: needs users or channel')
        if (users && !users.split(',').every((u) => USER_ID.test(u))) v.push(`conversations.open: users=${users} is not a list of user ids`)
        return {
          ok: true,
          channel: {
            id: `D${(users ?? 'X')
              .replace(/[^A-Z0-9]/g, '')
              .slice(1, 11)
              .padEnd(9, '0')}`,
          },
        }
      }
      case 'chat.postMessage':
      case 'chat.postEphemeral':
      case 'chat.update': {
        const channel = this.need(method, p, 'channel')
        if (channel && !CHANNEL_ID.test(channel)) v.push(`${method}: channel=${channel} is not a conversation id`)
        if (method === 'chat.update') this.tsArg(method, p, 'ts', true)
        if (method === 'chat.postEphemeral' && !USER_ID.test(String(p.user ?? ''))) v.push(`${method}: user missing or not a user id`)
        this.tsArg(method, p, 'thread_ts', false)
        if (p.text === undefined && p.blocks === undefined && p.attachments === undefined)
          v.push(`${method}: needs text, blocks or attachments`)
        if (p.blocks !== undefined && p.text === undefined) v.push(`${method}: blocks without a top-level text fallback`)
        this.checkBlocks(method, p.blocks, 50)
        if (channel && /^[CG]/.test(channel) && !this.memberOf.has(channel)) return { ok: false, error: 'not_in_channel' }
        if (p.metadata !== undefined) {
          const m = p.metadata as { event_type?: unknown; event_payload?: unknown }
          if (typeof m !== 'object' || typeof m.event_type !== 'string' || typeof m.event_payload !== 'object')
            v.push(`${method}: metadata needs event_type and event_payload`)
        }
        const ts = `${Math.floor(Date.now() / 1000)}.${String(this.nextId++).padStart(6, '0')}`
        if (method === 'chat.postMessage' && channel) {
          const list = this.history.get(channel) ?? []
          list.unshift({ ts, text: p.text, ...(p.metadata !== undefined ? { metadata: p.metadata } : {}) })
          this.history.set(channel, list)
        }
        return method === 'chat.postEphemeral' ? { ok: true, message_ts: ts } : { ok: true, channel, ts }
      }
      case 'views.publish': {
        const user = this.need(method, p, 'user_id')
        if (user && !USER_ID.test(user)) v.push(`views.publish: user_id=${user}`)
        const view = p.view as { type?: unknown; blocks?: unknown; private_metadata?: unknown; callback_id?: unknown } | undefined
        if (!view || typeof view !== 'object') {
          v.push('views.publish: view missing or not JSON')
          return { ok: false, error: 'invalid_arguments' }
        }
        if (view.type !== 'home') v.push(`views.publish: view.type=${String(view.type)}, must be home`)
        if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
          v.push('views.publish: private_metadata > 3000')
        if (typeof view.callback_id === 'string' && view.callback_id.length > 255) v.push('views.publish: callback_id > 255')
        if (JSON.stringify(view).length > 250_000) return { ok: false, error: 'view_too_large' }
        this.checkBlocks(method, view.blocks, 100, true)
        return { ok: true, view: { id: `V${String(this.nextId++).padStart(9, '0')}`, hash: `h${this.nextId}`, type: 'home' } }
      }
      case 'files.getUploadURLExternal': {
        const filename = this.need(method, p, 'filename')
        const length = Number(p.length)
        if (!Number.isInteger(length) || length <= 0) v.push(`${method}: length=${String(p.length)} must be a positive integer`)
        if (typeof p.alt_txt === 'string' && p.alt_txt.length > 1000) v.push(`${method}: alt_txt > 1000`)
        if (!filename) return { ok: false, error: 'invalid_arguments' }
        const id = `F${String(this.nextId++).padStart(10, '0')}`
        this.pendingFiles.set(id, { length, uploaded: false })
        return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${id}`, file_id: id }
      }
      case 'files.completeUploadExternal': {
        const files = p.files as Array<{ id?: unknown; title?: unknown }> | undefined
        if (!Array.isArray(files) || files.length === 0) {
          v.push(`${method}: files must be a JSON array of {id,title}`)
          return { ok: false, error: 'invalid_arguments' }
        }
        for (const f of files) {
          if (typeof f.id !== 'string' || !FILE_ID.test(f.id)) v.push(`${method}: file id ${String(f.id)}`)
          const pending = this.pendingFiles.get(String(f.id))
          if (!pending?.uploaded) return { ok: false, error: 'file_not_found' }
        }
        if (p.channel_id !== undefined && !CHANNEL_ID.test(String(p.channel_id))) v.push(`${method}: channel_id=${String(p.channel_id)}`)
        if (p.channels !== undefined && p.channel_id !== undefined) v.push(`${method}: both channel_id and channels`)
        if (p.thread_ts !== undefined && p.channel_id === undefined) v.push(`${method}: thread_ts without channel_id`)
        if (p.initial_comment !== undefined && p.blocks !== undefined) v.push(`${method}: both initial_comment and blocks`)
        this.tsArg(method, p, 'thread_ts', false)
        this.checkBlocks(method, p.blocks, 50)
        if (/^[CG]/.test(String(p.channel_id ?? '')) && !this.memberOf.has(String(p.channel_id)))
          return { ok: false, error: 'not_in_channel' }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? 'Untitled' })) }
      }
      case 'conversations.history': {
        const channel = this.need(method, p, 'channel')
        if (channel && !CHANNEL_ID.test(channel)) v.push(`${method}: channel=${channel}`)
        if (p.oldest !== undefined && !/^\d+(\.\d+)?$/.test(String(p.oldest))) v.push(`${method}: oldest=${String(p.oldest)}`)
        // Newest first; `oldest` is exclusive; metadata only with include_all_metadata.
        const oldest = Number(p.oldest ?? 0)
        const withMeta = p.include_all_metadata === 'true' || p.include_all_metadata === true
        const messages = (this.history.get(String(channel)) ?? [])
          .filter((m) => Number(m.ts) > oldest)
          .map((m) => (withMeta ? { type: 'message', ...m } : { type: 'message', ts: m.ts, text: m.text }))
        return { ok: true, messages, has_more: false, response_metadata: { next_cursor: '' } }
      }
      default:
        return { ok: false, error: 'unknown_method' }
    }
  }

  private tsArg(method: string, p: Record<string, unknown>, name: string, required: boolean): void {
    const v = p[name]
    if (v === undefined) {
      if (required) this.violations.push(`${method}: ${name} missing`)
      return
    }
    if (typeof v !== 'string' || !TS.test(v)) this.violations.push(`${method}: ${name}=${String(v)} is not a message ts string`)
  }

  private checkResponseBody(body: Record<string, unknown>): void {
    const v = this.violations
    if (body.response_type !== undefined && body.response_type !== 'ephemeral' && body.response_type !== 'in_channel')
      v.push(`response_url: response_type=${String(body.response_type)}`)
    for (const k of ['replace_original', 'delete_original'] as const)
      if (body[k] !== undefined && typeof body[k] !== 'boolean') v.push(`response_url: ${k} must be a boolean`)
    if (body.delete_original !== true && body.text === undefined && body.blocks === undefined)
      v.push('response_url: neither text nor blocks')
    if (body.blocks !== undefined && body.text === undefined) v.push('response_url: blocks without text')
    this.checkBlocks('response_url', body.blocks, 50)
  }

  /** Block Kit as documented: known types, the per-surface count, text and element limits, unique ids. */
  checkBlocks(where: string, blocks: unknown, max: number, home = false): void {
    if (blocks === undefined) return
    const v = this.violations
    if (!Array.isArray(blocks)) {
      v.push(`${where}: blocks is not an array`)
      return
    }
    if (blocks.length > max) v.push(`${where}: ${blocks.length} blocks, limit ${max}`)
    const ids = new Set<string>()
    const actionIds = new Set<string>()
    for (const [i, b] of (blocks as Array<Record<string, unknown>>).entries()) {
      const at = `${where} block ${i}`
      if (!BLOCK_TYPES.has(String(b.type))) v.push(`${at}: unknown type ${String(b.type)}`)
      if (typeof b.block_id === 'string') {
        if (b.block_id.length > 255) v.push(`${at}: block_id > 255`)
        if (ids.has(b.block_id)) v.push(`${at}: duplicate block_id ${b.block_id}`)
        ids.add(b.block_id)
      }
      const text = b.text as { type?: string; text?: string } | undefined
      if (b.type === 'section') {
        if (!text && !Array.isArray(b.fields)) v.push(`${at}: section needs text or fields`)
        if (text) checkText(v, at, text, 3000)
        if (Array.isArray(b.fields)) {
          if (b.fields.length > 10) v.push(`${at}: more than 10 fields`)
          for (const f of b.fields) checkText(v, `${at} field`, f as { type?: string; text?: string }, 2000)
        }
        if (b.accessory) checkElement(v, at, b.accessory as Record<string, unknown>, actionIds)
      }
      if (b.type === 'header') {
        if (text?.type !== 'plain_text') v.push(`${at}: header text must be plain_text`)
        if (text) checkText(v, at, text, 150)
      }
      if (b.type === 'context') {
        const els = b.elements as Array<Record<string, unknown>> | undefined
        if (!Array.isArray(els) || els.length === 0 || els.length > 10) v.push(`${at}: context needs 1-10 elements`)
        for (const e of els ?? []) {
          if (e.type === 'image') {
            if (typeof e.alt_text !== 'string') v.push(`${at}: context image without alt_text`)
          } else checkText(v, at, e as { type?: string; text?: string }, 3000)
        }
      }
      if (b.type === 'actions') {
        const els = b.elements as Array<Record<string, unknown>> | undefined
        if (!Array.isArray(els) || els.length === 0 || els.length > 25) v.push(`${at}: actions needs 1-25 elements`)
        for (const e of els ?? []) checkElement(v, at, e, actionIds)
      }
      if (b.type === 'image') {
        if (typeof b.alt_text !== 'string' || b.alt_text.length === 0 || b.alt_text.length > 2000) v.push(`${at}: image alt_text 1-2000`)
        const sf = b.slack_file as { id?: string; url?: string } | undefined
        const hasUrl = typeof b.image_url === 'string'
        if (hasUrl === (sf !== undefined)) v.push(`${at}: image needs exactly one of image_url or slack_file`)
        if (hasUrl && (b.image_url as string).length > 3000) v.push(`${at}: image_url > 3000`)
        if (sf && (sf.id === undefined) === (sf.url === undefined)) v.push(`${at}: slack_file needs exactly one of id or url`)
        if (sf?.id !== undefined && !FILE_ID.test(sf.id)) v.push(`${at}: slack_file.id ${sf.id}`)
        if (b.title) checkText(v, at, b.title as { type?: string; text?: string }, 2000)
      }
      if (b.type === 'input' && !home) v.push(`${at}: input blocks need a modal`)
    }
  }
}

function checkText(v: string[], at: string, t: { type?: string; text?: string }, max: number): void {
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') v.push(`${at}: text object type ${String(t.type)}`)
  if (typeof t.text !== 'string' || t.text.length === 0) v.push(`${at}: empty text`)
  else if (t.text.length > max) v.push(`${at}: text ${t.text.length} > ${max}`)
}

function checkElement(v: string[], at: string, e: Record<string, unknown>, actionIds: Set<string>): void {
  if (!ELEMENT_TYPES.has(String(e.type))) v.push(`${at}: element type ${String(e.type)}`)
  if (typeof e.action_id === 'string') {
    if (e.action_id.length > 255) v.push(`${at}: action_id > 255`)
    if (actionIds.has(e.action_id)) v.push(`${at}: duplicate action_id ${e.action_id}`)
    actionIds.add(e.action_id)
  }
  if (e.type === 'button') {
    const t = e.text as { type?: string; text?: string } | undefined
    if (t?.type !== 'plain_text') v.push(`${at}: button text must be plain_text`)
    if (t) checkText(v, at, t, 75)
    if (typeof e.value === 'string' && e.value.length > 2000) v.push(`${at}: button value > 2000`)
    if (typeof e.url === 'string' && e.url.length > 3000) v.push(`${at}: button url > 3000`)
    if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') v.push(`${at}: button style ${String(e.style)}`)
  }
}

function userObject(u: DocsUser) {
  return { id: u.id, team_id: 'T0DOCS0001', name: u.email.split('@')[0], deleted: false, is_bot: false, profile: { email: u.email } }
}

/** JSON-typed arguments Slack takes as JSON strings inside a form. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata'])

function parseParams(method: string, contentType: string, raw: Buffer, violations: string[]): Record<string, unknown> {
  const text = raw.toString('utf8')
  if (contentType.startsWith('application/json')) {
    // Slack reads JSON bodies only for write methods; read methods need form arguments.
    if (['users.info', 'users.lookupByEmail', 'conversations.history', 'auth.test'].includes(method))
      violations.push(`${method}: JSON body on a method that takes form arguments`)
    return text ? (JSON.parse(text) as Record<string, unknown>) : {}
  }
  if (text !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) violations.push(`${method}: content-type ${contentType}`)
  const out: Record<string, unknown> = {}
  for (const [k, value] of new URLSearchParams(text)) {
    // Slack accepts a form-body token next to the header (the SDK repeats it there for auth.test); the header is checked on its own.
    if (JSON_ARGS.has(k)) {
      try {
        out[k] = JSON.parse(value)
      } catch {
        violations.push(`${method}: ${k} is not JSON`)
        out[k] = value
      }
    } else out[k] = value
  }
  return out
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** Slack's v0 signature headers for `rawBody` (timestamp in unix seconds, now by default). */
export function docsSignedHeaders(secret: string, rawBody: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${sig}` }
}

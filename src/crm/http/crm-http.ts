import { sliceWhole } from '../../domain/slice-whole.js'
import { AppError } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import { type Clock, systemClock } from './clock.js'
import { isCutShortJson } from './is-cut-short-json.js'
import type { Pacer } from './pacer.js'

/** One HTTP request to a CRM. `endpoint` names it in errors (`POST /crm/v3/objects/deals/search`). */
export interface CrmRequest {
  method: 'GET' | 'POST'
  url: string
  endpoint: string
  body?: string
  headers?: Record<string, string>
  /** The rate limit this request counts against; waited on before every attempt. */
  pacer?: Pacer
  /** Return a 2xx body as text, unparsed (the caller parses it, e.g. after peeking at it). */
  raw?: boolean
  /** This request's own timeout and retries (default: the client's), for an optional call that must not hold up a sync. */
  timeoutMs?: number
  maxRetries?: number
}

/** A CRM answer whose body parsed as JSON. */
export interface CrmResponse {
  status: number
  headers: Headers
  body: unknown
}

/** How a service reads a non-2xx answer; `undefined` falls back to the generic rules. */
export type FailureKind =
  | {
      kind: 'rate_limited'
      waitMs?: number
      /** Retries of this refusal (default: the client's `maxRateLimitRetries`); then `exhausted` (default: a generic error) is thrown. */
      maxRetries?: number
      exhausted?: (endpoint: string, refusals: number) => AppError
    }
  | { kind: 'session_expired' }
  | { kind: 'auth'; error: AppError }
  | { kind: 'retry' }
  | { kind: 'fail'; error: AppError }

/** What a CRM client plugs into {@link CrmHttp}. */
export interface CrmHttpOptions {
  /** `HubSpot` or `Salesforce`, for messages. */
  service: string
  /** Headers that authorise a request (called before every attempt, so a new token is used). */
  authorize: () => Promise<Record<string, string>>
  /**
   * Called on a `session_expired` answer with the `authorize` headers the refused attempt carried;
   * resolves once a new token is in place. Requests in flight together are refused together: a
   * token already renewed since `refused` was sent need not be renewed again.
   */
  renewSession?: (refused: Readonly<Record<string, string>>) => Promise<void>
  /** Reads a failure the service's own way (e.g. HubSpot's search 429 body, Salesforce's error codes). */
  classify?: (status: number, body: unknown, headers: Headers) => FailureKind | undefined
  /** The setting that holds the CRM's URL (`HUBSPOT_API_URL`), named when the host cannot be reached. */
  urlSetting?: string
  /**
   * The URL that setting holds, shown with it (without any user name, password, query or
   * fragment); when absent, the request's origin is shown.
   */
  baseUrl?: string
  /**
   * Credentials the CRM might echo in an error (a client secret). They, the values of the
   * `authorize` headers (the bearer token) and a password in the request URL are taken out of
   * every error body and network error before anything quotes them, so no message, log line or
   * stored sync run carries them.
   */
  secrets?: () => ReadonlyArray<string | undefined>
  /** The error for a 401/403 that `classify` did not explain: should name the variable to fix. */
  authError: (status: number, endpoint: string, body: unknown) => AppError
  fetch?: typeof fetch
  clock?: Clock
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number
  /** The largest answer body read (default {@link MAX_CRM_BODY_BYTES}); a larger one ends the request. */
  maxBodyBytes?: number
  /** Retries of 5xx, timeouts and network errors (default 5). */
  maxRetries?: number
  /** Retries of 429 answers (default 8): each waits what the CRM asked. */
  maxRateLimitRetries?: number
  /** The longest `Retry-After` waited out (default 2 min); a longer one stops the sync with a message. */
  maxWaitMs?: number
  /**
   * The longest one request keeps retrying, from its first attempt (default 5 min): a CRM that
   * keeps refusing or failing it past that stops the sync with a message, however short each wait.
   */
  maxTotalWaitMs?: number
  /** First backoff step (default 500 ms); doubles per retry up to `backoffMaxMs` (default 30 s). */
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number
  logger?: Logger
}

/** Counters a sync reports: how many requests, retries and 429s it took. */
export interface CrmHttpStats {
  requests: number
  retries: number
  rateLimited: number
  /** 429s that came right after a 429 for the same request. */
  rateLimitedTwice: number
}

/** A small fetch wrapper shared by the CRM clients: timeouts, retries, backoff and pacing. */
export interface CrmHttp {
  /**
   * Sends `request` and returns its parsed JSON body.
   *
   * @throws AppError `crm_auth` (401/403, naming the variable to fix), `crm_rate_limited` (429s
   *   outlasting the retries), `crm_unavailable` (timeouts, network errors, 5xx outlasting the
   *   retries), `crm_bad_response` (a body that is not JSON, or another 4xx), each naming the endpoint.
   */
  send(request: CrmRequest): Promise<CrmResponse>
  readonly stats: CrmHttpStats
}

/** An error answer from a CRM, kept with its status and body for the caller to inspect. */
export class CrmHttpError extends AppError {
  constructor(
    code: 'crm_bad_response' | 'crm_unavailable' | 'crm_rate_limited' | 'crm_auth',
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(code, message)
  }
}

/**
 * Whether `error` is a 4xx other than auth or rate limits: a server that does not offer what was
 * asked (404, 400), so the caller may go on without it.
 */
export function isRefusedRequest(error: unknown): error is CrmHttpError {
  return error instanceof CrmHttpError && error.code === 'crm_bad_response' && error.status >= 400 && error.status < 500
}

/**
 * The largest CRM answer body read, in bytes: far above any page HubSpot or Salesforce sends
 * (a 2,000-record SOQL page with its history rows is a few MB), low enough that a server sending
 * an endless or enormous body cannot fill the process's memory before the timeout ends it.
 */
export const MAX_CRM_BODY_BYTES = 64 * 1024 * 1024

/** Builds a {@link CrmHttp} for one CRM. */
export function createCrmHttp(options: CrmHttpOptions): CrmHttp {
  const doFetch = options.fetch ?? fetch
  const maxBodyBytes = options.maxBodyBytes ?? MAX_CRM_BODY_BYTES
  const clock = options.clock ?? systemClock
  const defaultTimeoutMs = options.timeoutMs ?? 30_000
  const defaultMaxRetries = options.maxRetries ?? 5
  const maxRateLimitRetries = options.maxRateLimitRetries ?? 8
  const base = options.backoffBaseMs ?? 500
  const cap = options.backoffMaxMs ?? 30_000
  const random = options.random ?? Math.random
  const stats: CrmHttpStats = { requests: 0, retries: 0, rateLimited: 0, rateLimitedTwice: 0 }
  const backoff = (attempt: number) => Math.min(cap, base * 2 ** attempt) * (0.5 + random() / 2)

  const maxWaitMs = options.maxWaitMs ?? 120_000
  const maxTotalWaitMs = options.maxTotalWaitMs ?? 300_000
  // A request that has been retried for longer than a sync should sit through: stop and say so.
  const tooLongInAll = (request: CrmRequest, status: number, elapsed: number, attempts: number, why: string, body: unknown) =>
    new CrmHttpError(
      status === 429 ? 'crm_rate_limited' : 'crm_unavailable',
      `${options.service} kept failing ${request.endpoint} for ${Math.max(1, Math.round(elapsed / 60_000))} min (${attempts} attempts, ${why}), so the sync stops instead of waiting longer. The deals stored so far are kept; run the sync again in a few minutes (\`pulse sync\`, or \`/pulse sync\` in Slack), and it resumes from there.`,
      status,
      body,
    )
  // A CRM asking for a longer pause than a sync should sit through silently: stop and say so.
  const tooLong = (status: number, wait: number, body: unknown, text: string) =>
    new CrmHttpError(
      status === 429 || status === 403 ? 'crm_rate_limited' : 'crm_unavailable',
      `${options.service} asked us to wait ${Math.ceil(wait / 60_000)} min before trying again (HTTP ${status}, Retry-After${said(body, text)}). The deals stored so far are kept; the next sync resumes from there.`,
      status,
      body,
    )

  // An answer body past the limit: no retry (the same server sends the same again), the setting named.
  const tooLarge = (request: CrmRequest, status: number) =>
    new CrmHttpError(
      'crm_bad_response',
      `${options.service} sent more than ${Math.round(maxBodyBytes / (1024 * 1024))} MB from ${request.endpoint} (HTTP ${status}), more than any page of its API holds, so it was not read.${options.urlSetting ? ` Check that ${options.urlSetting} (${settingUrl(options, request.url)}) is the address of ${options.service}'s API.` : ''} Nothing from it was stored; the deals stored so far are kept.`,
      status,
      null,
    )

  async function send(request: CrmRequest): Promise<CrmResponse> {
    const timeoutMs = request.timeoutMs ?? defaultTimeoutMs
    const maxRetries = request.maxRetries ?? defaultMaxRetries
    let failures = 0
    let limited = 0
    let renewed = false
    let lastWasLimited = false
    let hide = (text: string) => text
    // From the first attempt on (a wait for the pacer's turn before it is no retry).
    let startedAt = Number.NaN
    // Whether waiting `wait` more would take this request past its total retry time.
    const pastBudget = (wait: number) => clock.now() - startedAt + wait > maxTotalWaitMs
    for (;;) {
      const release = (await request.pacer?.take()) ?? (() => undefined)
      if (Number.isNaN(startedAt)) startedAt = clock.now()
      stats.requests++
      let response: Response
      let text: string
      let auth: Record<string, string> = {}
      // A 2xx body read as JSON (left undefined when it is not JSON, or not read as such).
      let parsed: { value: unknown } | undefined
      try {
        auth = await options.authorize()
        hide = hider([...Object.values(auth), ...(options.secrets?.() ?? []), urlPassword(request.url)])
        const headers = { accept: 'application/json', ...auth, ...request.headers }
        response = await doFetch(request.url, {
          method: request.method,
          headers,
          body: request.body,
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect is not followed: fetch would send the body (a client secret) on to whatever host it names.
          redirect: 'manual',
        })
        // The server has counted the request once its answer starts: free the pacer slot from here.
        release()
        text = await readBodyUpTo(response, maxBodyBytes)
        // A connection dropped mid-body on an answer that marks its end only by closing the
        // connection reads as a whole, shorter body: retried like any dropped connection.
        if (response.ok && !request.raw) {
          try {
            parsed = { value: JSON.parse(text) }
          } catch {
            if (endsByClosing(response) && isCutShortJson(text)) throw new Error('the answer broke off before its JSON ended')
          }
        }
      } catch (error) {
        release()
        if (error instanceof AppError) throw error
        if (error instanceof BodyTooLarge) throw tooLarge(request, error.status)
        const detail = (error as { cause?: { code?: unknown; message?: unknown } }).cause
        const cause = detail?.code
        const unreachable =
          typeof cause === 'string' && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET)$/.test(cause)
        // fetch refuses some ports outright (6000, 10080, ...), saying only "bad port": no retry helps.
        const badPort = detail?.message === 'bad port'
        const reason = isTimeout(error)
          ? `no answer within ${timeoutMs / 1000} s`
          : hide(`${(error as Error).message}${unreachable ? `: ${cause}` : badPort ? ': a port fetch refuses to use' : ''}`)
        if (failures >= maxRetries || badPort) {
          const check =
            (unreachable || badPort) && options.urlSetting
              ? ` Check that ${options.urlSetting} (${settingUrl(options, request.url)}) is right and reachable.`
              : ''
          throw new CrmHttpError(
            'crm_unavailable',
            `${options.service} did not answer ${request.endpoint} (${reason}) after ${failures + 1} attempt${failures === 0 ? '' : 's'}.${check} The next sync resumes where this one stopped.`,
            0,
            null,
          )
        }
        const wait = backoff(failures)
        if (pastBudget(wait)) throw tooLongInAll(request, 0, clock.now() - startedAt, failures + 1, `last: ${reason}`, null)
        failures++
        stats.retries++
        options.logger?.warn({ endpoint: request.endpoint, reason, waitMs: Math.round(wait) }, 'CRM request failed; retrying')
        lastWasLimited = false
        await clock.sleep(wait)
        continue
      }

      const status = response.status
      if (status >= 200 && status < 300) {
        return {
          status,
          headers: response.headers,
          body: request.raw ? text : parsed ? parsed.value : parseJsonHiding(text, hide, options.service, request.endpoint, status),
        }
      }
      if (status >= 300 && status < 400) throw redirected(request, status, response.headers.get('location'))
      // Error bodies get quoted in messages and logs: a credential the CRM echoes goes first.
      text = hide(text)
      const body = tryJson(text)
      const kind = options.classify?.(status, body, response.headers) ?? defaultKind(status, request.endpoint, body)
      // A wait longer than one may be, or past the time all retries of a request may take, ends the request.
      const refuseLongWait = (wait: number) => {
        if (wait > maxWaitMs) throw tooLong(status, wait, body, text)
        if (pastBudget(wait)) {
          throw tooLongInAll(
            request,
            status,
            clock.now() - startedAt,
            failures + limited + 1,
            `last HTTP ${status}${said(body, text)}`,
            body,
          )
        }
      }

      if (kind.kind === 'rate_limited') {
        stats.rateLimited++
        if (lastWasLimited) stats.rateLimitedTwice++
        lastWasLimited = true
        if (limited >= (kind.maxRetries ?? maxRateLimitRetries)) {
          if (kind.exhausted) throw kind.exhausted(request.endpoint, limited + 1)
          throw new CrmHttpError(
            'crm_rate_limited',
            `${options.service} kept rate-limiting ${request.endpoint} (${limited + 1} refusals in a row${said(body, text)}). The next sync resumes where this one stopped.`,
            status,
            body,
          )
        }
        const wait = retryAfterMs(response.headers, clock.now()) ?? kind.waitMs ?? backoff(limited)
        refuseLongWait(wait)
        limited++
        stats.retries++
        request.pacer?.pause(wait)
        options.logger?.warn({ endpoint: request.endpoint, status, waitMs: Math.round(wait) }, 'CRM rate limit hit; waiting')
        if (!request.pacer) await clock.sleep(wait)
        continue
      }
      lastWasLimited = false
      if (kind.kind === 'session_expired' && options.renewSession && !renewed) {
        renewed = true
        await options.renewSession(auth)
        continue
      }
      if (kind.kind === 'auth' || kind.kind === 'session_expired') {
        throw kind.kind === 'auth' ? kind.error : options.authError(status, request.endpoint, body)
      }
      if (kind.kind === 'retry') {
        if (failures >= maxRetries) {
          throw new CrmHttpError(
            'crm_unavailable',
            `${options.service} answered ${request.endpoint} with HTTP ${status} ${failures + 1} times in a row${said(body, text)}. The next sync resumes where this one stopped.`,
            status,
            body,
          )
        }
        const wait = retryAfterMs(response.headers, clock.now()) ?? backoff(failures)
        refuseLongWait(wait)
        failures++
        stats.retries++
        options.logger?.warn({ endpoint: request.endpoint, status, waitMs: Math.round(wait) }, 'CRM server error; retrying')
        await clock.sleep(wait)
        continue
      }
      if (kind.kind === 'fail') throw kind.error
      // A 404 on an endpoint every account has means the base URL points somewhere else.
      const next =
        status === 404 && options.urlSetting
          ? ` Check that ${options.urlSetting} (${settingUrl(options, request.url)}) is the address of ${options.service}'s API.`
          : ''
      throw new CrmHttpError(
        'crm_bad_response',
        `${options.service} refused ${request.endpoint} with HTTP ${status}: ${describeBody(body, text).replace(/[.\s]+$/, '')}.${next} The deals stored so far are kept; the next sync resumes from there.`,
        status,
        body,
      )
    }
  }

  /** A CRM API never redirects: the configured URL is not the API's (an old or a UI address). */
  function redirected(request: CrmRequest, status: number, location: string | null): CrmHttpError {
    let to: string | undefined
    try {
      to = location ? new URL(location, request.url).origin : undefined
    } catch {
      to = undefined
    }
    const setting = options.urlSetting ?? `${options.service}'s URL`
    const where = to && to !== new URL(request.url).origin ? ` to ${to}` : ''
    return new CrmHttpError(
      'crm_bad_response',
      `${options.service} answered ${request.endpoint} with a redirect${where} (HTTP ${status}), which is not followed: credentials would go with it. Set ${setting} to the address of ${options.service}'s API${to && where ? ` (${to}, if that is yours)` : ''}; the deals stored so far are kept.`,
      status,
      null,
    )
  }

  function defaultKind(status: number, endpoint: string, body: unknown): FailureKind | { kind: 'refused' } {
    if (status === 429) return { kind: 'rate_limited' }
    if (status === 401 || status === 403) return { kind: 'auth', error: options.authError(status, endpoint, body) }
    if (status >= 500 || status === 408) return { kind: 'retry' }
    return { kind: 'refused' }
  }

  return { send, stats }
}

/** The wait a `Retry-After` header asks for (seconds or an HTTP date), in ms; null when absent. */
export function retryAfterMs(headers: Headers, now: number): number | null {
  const value = headers.get('retry-after')
  if (value === null || value.trim() === '') return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/**
 * Parses a CRM body as JSON.
 * @throws CrmHttpError `crm_bad_response` naming the service and endpoint.
 */
export function parseJson(text: string, service: string, endpoint: string, status: number): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new CrmHttpError(
      'crm_bad_response',
      `${service} sent a body that is not JSON from ${endpoint} (HTTP ${status}, starts "${sliceWhole(text, 40).replace(/\s+/g, ' ')}"). Nothing from it was stored; the next sync retries.`,
      status,
      sliceWhole(text, 200),
    )
  }
}

/**
 * Whether an answer marks the end of its body only by closing the connection (neither
 * `Content-Length` nor `Transfer-Encoding`): then a body cut short cannot be told from a whole one.
 */
function endsByClosing(response: Response): boolean {
  return !response.headers.has('content-length') && !response.headers.has('transfer-encoding')
}

// A 2xx body that is not JSON is quoted in the error: without credentials (a valid body is left as it is).
function parseJsonHiding(text: string, hide: (text: string) => string, service: string, endpoint: string, status: number): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return parseJson(hide(text), service, endpoint, status)
  }
}

/**
 * A function that replaces every occurrence of `values` (and their URL-encoded forms; for an
 * `Authorization` value such as `Bearer X`, also `X`) with `[redacted]`. Values shorter than 4
 * characters are left alone: they would mangle ordinary text and protect nothing.
 */
function hider(values: ReadonlyArray<string | undefined>): (text: string) => string {
  const all = new Set<string>()
  for (const value of values) {
    if (value === undefined) continue
    for (const v of [value, value.slice(value.indexOf(' ') + 1)]) {
      if (v.length < 4) continue
      all.add(v)
      all.add(encodeURIComponent(v))
    }
  }
  const list = [...all].sort((a, b) => b.length - a.length)
  return (text) => list.reduce((t, v) => t.split(v).join('[redacted]'), text)
}

function urlPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password
    return password === '' ? undefined : decodeURIComponent(password)
  } catch {
    return undefined
  }
}

/** An answer whose body passed the size limit (its status kept for the message). */
class BodyTooLarge extends Error {
  constructor(readonly status: number) {
    super('CRM answer body too large')
  }
}

/**
 * `response`'s body as UTF-8 text, read up to `limit` bytes: a declared or actual size past it
 * cancels the body (the connection is let go) and throws {@link BodyTooLarge}.
 */
async function readBodyUpTo(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined)
    throw new BodyTooLarge(response.status)
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw new BodyTooLarge(response.status)
    }
    chunks.push(value)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
}

/** `, last saying "..."` from an error body worth quoting (JSON with a message), else nothing. */
export function said(body: unknown, text = ''): string {
  if (body === null || typeof body !== 'object') return ''
  const words = describeBody(body, text).trim()
  return words === '' ? '' : `, last saying "${sliceWhole(words, 160)}"`
}

/** A short, secret-free description of an error body. */
export function describeBody(body: unknown, text = ''): string {
  if (Array.isArray(body)) {
    return body
      .map((e) => `${(e as { errorCode?: string }).errorCode ?? ''} ${(e as { message?: string }).message ?? ''}`.trim())
      .join('; ')
  }
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; category?: unknown; error?: unknown; error_description?: unknown }
    const parts = [b.category, b.message, b.error, b.error_description].filter((p) => typeof p === 'string')
    if (parts.length > 0) return parts.join(': ')
  }
  return sliceWhole(text, 120)
}

/**
 * The URL a message shows for {@link CrmHttpOptions.urlSetting}: the configured base (path kept, as
 * a proxy's `https://proxy.example.com/hubspot`) without credentials, query or fragment, else the
 * request's origin.
 */
function settingUrl(options: CrmHttpOptions, requestUrl: string): string {
  if (options.baseUrl === undefined) return new URL(requestUrl).origin
  try {
    const url = new URL(options.baseUrl)
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
  } catch {
    return new URL(requestUrl).origin
  }
}

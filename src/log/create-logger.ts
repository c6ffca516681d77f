import { type DestinationStream, type Logger, pino } from 'pino'

/** The structured logger every part of the app is handed (pino's). */
export type { Logger } from 'pino'

/**
 * Field names whose values are never written to a log, at any depth: tokens, secrets, passwords,
 * authorization and cookie headers, request signatures, Slack response URLs.
 */
const SECRET_KEY = /(token|secret|password|passwd|authorization|cookie|signature|api[-_]?key|response_?url)$/i

/** Keys that name a secret but hold only harmless facts about it. */
const HARMLESS_KEYS = new Set(['tokenHash', 'token_type', 'tokenType'])

/** Secret-looking parts of strings (messages, error texts, bodies echoed back by a server). */
const SECRET_TEXT: ReadonlyArray<readonly [RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // Slack bot, user, app and refresh tokens.
  [/\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+/g, '[redacted]'],
  // Authorization header values quoted in text (not the name of Slack's "Basic Information" page).
  [/\b(Bearer|Basic)\s+([^\s"'<>),;]+)/gi, redactAuthorization],
  // Passwords in URLs (postgres://user:password@host/db).
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi, '$1[redacted]@'],
  // Secrets in query strings and forms (access_token=..., client_secret=..., a Socket Mode URL's ticket=...).
  [/([?&\s]|^)((?:access_|refresh_|id_)?token|client_secret|password|api_?key|ticket)=[^&\s"']+/gi, '$1$2=[redacted]'],
  // Secrets in JSON quoted in text ("access_token":"...").
  [/("(?:access_|refresh_|id_)?token"|"client_secret"|"password"|"signing_?secret")(\s*:\s*)"[^"]*"/gi, '$1$2"[redacted]"'],
  // Slack response URLs (anyone holding one can post as the app for 30 minutes).
  [/(https?:\/\/hooks\.slack\.com\/)[^\s"'<>]+/gi, '$1[redacted]'],
  // Tokens of hosted Home chart URLs (`/charts/<token>.png`: anyone holding one sees the chart).
  [/(\/charts\/)[A-Za-z0-9_-]{43}/g, '$1[redacted]'],
]

const CENSOR = '[redacted]'
const MAX_DEPTH = 10

// `Bearer <token>` / `Basic <credentials>` with the token replaced. A capitalised word after "Basic"
// that is no Basic credential (base64 of "user:password", so it decodes to a colon) is prose, as in
// "copy it from Basic Information": left as written, or the instruction loses its page name.
function redactAuthorization(match: string, scheme: string, credential: string): string {
  const prose =
    /^basic$/i.test(scheme) && /^[A-Z][a-z]+$/.test(credential) && !Buffer.from(credential, 'base64').toString('latin1').includes(':')
  return prose ? match : `${scheme} ${CENSOR}`
}

/** `text` with secret-looking parts replaced by `[redacted]`. */
export function redactText(text: string): string {
  let out = text
  for (const [pattern, replacement] of SECRET_TEXT) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement)
  }
  return out
}

/**
 * A copy of `value` fit for a log: fields named like secrets (at any depth, in arrays too) are
 * `[redacted]`, strings lose secret-looking parts ({@link redactText}), errors become plain
 * objects (message, stack, cause and their own fields, such as a client's request config with its
 * headers) and are redacted the same way. Cycles and very deep objects are cut short.
 */
export function redactSecrets(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '[circular]'
  if (depth >= MAX_DEPTH) return '[too deep]'
  seen.add(value)
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.length} bytes]`
  if (value instanceof Date) return value
  const source = value instanceof Error ? errorFields(value) : value
  if (Array.isArray(source)) return source.map((v) => redactSecrets(v, depth + 1, seen))
  if (source instanceof Map) return redactSecrets(Object.fromEntries(source), depth + 1, seen)
  if (source instanceof Headers) return redactSecrets(Object.fromEntries(source.entries()), depth + 1, seen)
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(source as Record<string, unknown>)) {
    if (typeof v === 'function') continue
    out[key] = SECRET_KEY.test(key) && !HARMLESS_KEYS.has(key) && v !== null && v !== undefined ? CENSOR : redactSecrets(v, depth + 1, seen)
  }
  return out
}

// An error's message, stack and cause (not enumerable) plus its own fields, as a plain object.
function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: error.constructor?.name ?? 'Error', message: error.message, stack: error.stack }
  for (const [key, v] of Object.entries(error)) fields[key] = v
  if (error.cause !== undefined) fields.cause = error.cause
  // Some clients' errors (axios) define toJSON with the request config: prefer what it adds.
  const json = (error as { toJSON?: () => unknown }).toJSON
  if (typeof json === 'function') {
    try {
      const extra = json.call(error)
      if (extra && typeof extra === 'object') for (const [key, v] of Object.entries(extra)) if (!(key in fields)) fields[key] = v
    } catch {
      // a toJSON that throws adds nothing
    }
  }
  return fields
}

/**
 * The app's one logger: structured JSON on stderr (stdout stays free for `--json` output). Every
 * log object is passed through {@link redactSecrets} (secret fields at any depth, errors with
 * their request headers, secret-looking text) and every message through {@link redactText}, so
 * tokens, secrets, passwords, Slack response URLs and Home chart tokens never reach the log.
 *
 * @param destination where lines go (default stderr; tests pass a stream).
 */
export function createLogger(level = 'info', destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: undefined,
      formatters: {
        log: (object) => redactSecrets(object) as Record<string, unknown>,
        bindings: (bindings) => redactSecrets(bindings) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>
          method.apply(this, clean)
        },
      },
    },
    destination,
  )
}

/** A logger that drops everything (tests, quiet commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}

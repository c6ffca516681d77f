import { type Logger, pino } from 'pino'

export type { Logger } from 'pino'

/** Field names whose values are never written to a log, at any depth we reach. */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'clientSecret',
  'client_secret',
  'authorization',
  'Authorization',
  'password',
  'access_token',
]

/**
 * The app's one logger: structured JSON on stderr (stdout stays free for `--json` output),
 * with secrets redacted by key name wherever they appear in the first levels of a log object.
 */
export function createLogger(level = 'info'): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`])
  return pino({ level, base: undefined, redact: { paths, censor: '[redacted]' } }, pino.destination(2))
}

/** A logger that drops everything (tests, quiet commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}

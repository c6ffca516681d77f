/**
 * A logger for CLI commands whose warnings a person reads on stderr as sentences rather than
 * JSON lines: a CRM rate limit or a retry during `pulse sync` shows what happens and how long it
 * waits, so a long pause does not look like a hang. Secrets are redacted as in every log.
 */
import { createLogger, type Logger } from '../log/create-logger.js'
import type { CliIo } from './cli-options.js'

const SKIP = new Set(['level', 'time', 'msg', 'waitMs', 'endpoint', 'status', 'reason', 'err'])

/** One log line (pino's JSON) as a sentence: `  CRM rate limit hit (HTTP 429, POST /x): waiting 10 s.` */
export function noteOfLogLine(line: string): string | null {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return null
  }
  if (typeof o.msg !== 'string') return null
  const why = [
    typeof o.status === 'number' ? `HTTP ${o.status}` : typeof o.reason === 'string' ? o.reason : null,
    typeof o.endpoint === 'string' ? o.endpoint : null,
    errorText(o.err),
    ...Object.entries(o)
      .filter(([k, v]) => !SKIP.has(k) && (typeof v === 'string' || typeof v === 'number'))
      .map(([k, v]) => `${k} ${v}`),
  ].filter((x): x is string => x !== null)
  const verb = /; (retrying|waiting)$/.exec(o.msg)?.[1]
  const msg = verb === undefined ? o.msg : o.msg.slice(0, -(verb.length + 2))
  const ms = typeof o.waitMs === 'number' ? o.waitMs : null
  const span = ms === null ? '' : ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`
  const then =
    verb === 'retrying' ? `: retrying${span ? ` in ${span}` : ''}` : verb === 'waiting' || span ? `: waiting${span ? ` ${span}` : ''}` : ''
  return `  ${msg}${why.length > 0 ? ` (${why.join(', ')})` : ''}${then}.`
}

// A logged error as its message (a serialised error is an object; its stack is left out).
function errorText(err: unknown): string | null {
  if (typeof err === 'string') return err
  const message = (err as { message?: unknown } | null)?.message
  return typeof message === 'string' && message !== '' ? message : null
}

/** A logger at `warn` whose lines reach `io.err` as {@link noteOfLogLine} sentences. */
export function stderrNotes(io: CliIo): Logger {
  return createLogger('warn', {
    write(line: string) {
      const note = noteOfLogLine(line)
      if (note !== null) io.err(note)
    },
  })
}

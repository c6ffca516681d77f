import { type Logger as BoltLogger, LogLevel } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'

/**
 * Bolt's and the Web API client's logger interface over our pino logger (so their messages are
 * structured and redacted like ours). Messages are joined into one string; objects are kept out
 * of it on purpose, since Bolt may log request bodies at debug level. Bolt's refusals of a
 * request's signature or timestamp are followed by what to check.
 */
export function boltLogger(logger: Logger, name = 'bolt'): BoltLogger {
  let child = logger.child({ component: name })
  let level = LogLevel.INFO
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : typeof m)).join(' ')
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(withNextStep(slackWarning(msg) ?? text(msg))),
    error: (...msg: unknown[]) => child.error(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l
    },
    getLevel: () => level,
    setName: (n: string) => {
      child = logger.child({ component: n })
    },
  }
}

// The Web API client logs each warning of Slack's answer (`response_metadata.warnings`) through
// `warnings.forEach(logger.warn)`, so the arguments are (warning, index, warnings): said as
// Slack's warning, not "superfluous_charset number object".
function slackWarning(msg: unknown[]): string | undefined {
  const [warning, index, all] = msg
  if (msg.length !== 3 || typeof warning !== 'string' || typeof index !== 'number' || !Array.isArray(all) || all[index] !== warning)
    return undefined
  return `Slack's answer to a Web API call carried a warning: ${warning}`
}

// A Bolt warning with the next step added where Bolt names none: a signature that does not match
// the body (every request refused so: SLACK_SIGNING_SECRET is not this app's, or a proxy changes
// the bytes Slack signed) and a request too old (every request refused so: this server's clock
// is ahead of Slack's). Neither the body nor the secret is quoted.
function withNextStep(message: string): string {
  if (/signature mismatch/i.test(message)) {
    return `${message}: the signature does not match the body as received. If every request from Slack is refused so, either SLACK_SIGNING_SECRET is not this app's Signing Secret (copy it from Basic Information in the app's settings, not the client secret or a token, and start again), or a proxy or load balancer in front of this server re-encoded or compressed the body (another charset, gzip): Slack signs the UTF-8 bytes it sends, so pass the body through unchanged.`
  }
  // Bolt's parse error quotes the start of the body (`Unexpected token 'h', "hello" is not valid JSON`): only the refusal is logged.
  if (/^Malformed request body/i.test(message)) {
    return 'Malformed request body: signed, but not the JSON or form encoding its Content-Type names; refused with 400 (the body is not logged). Send it as Slack does: application/x-www-form-urlencoded for commands and clicks, application/json for events.'
  }
  if (/request is stale/i.test(message)) {
    return `${message}. If every request from Slack is refused so, this server's clock is ahead of Slack's: set it right (NTP).`
  }
  return message
}

import { type Logger as BoltLogger, LogLevel } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'

/**
 * Bolt's and the Web API client's logger interface over our pino logger (so their messages are
 * structured and redacted like ours). Messages are joined into one string; objects are kept out
 * of it on purpose, since Bolt may log request bodies at debug level.
 */
export function boltLogger(logger: Logger, name = 'bolt'): BoltLogger {
  let child = logger.child({ component: name })
  let level = LogLevel.INFO
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : typeof m)).join(' ')
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(text(msg)),
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

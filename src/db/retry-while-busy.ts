import { setTimeout as sleep } from 'node:timers/promises'
import { AppError, isDatabaseBusy } from '../errors.js'

/**
 * Runs `fn`, and again every second while SQLite answers busy (another process's write holds the
 * file: a large import), for up to `waitMs`; then the busy error is thrown. `onWait` is called
 * once, at the first busy answer. A failure opening the store counts as busy when its cause is.
 * For long-running processes (`pulse serve`) that should start after an import rather than fail
 * beside it. Once `stop` is aborted (the process was asked to stop while it waits) it waits no
 * more: the busy error is thrown at once.
 */
export async function retryWhileBusy<T>(fn: () => Promise<T>, waitMs: number, onWait: () => void, stop?: AbortSignal): Promise<T> {
  const giveUpAt = Date.now() + waitMs
  for (let said = false; ; said = true) {
    try {
      return await fn()
    } catch (error) {
      const busy = isDatabaseBusy(error) || (error instanceof AppError && isDatabaseBusy(error.cause))
      if (!busy || Date.now() > giveUpAt || stop?.aborted) throw error
      if (!said) onWait()
      await sleep(1000, undefined, { signal: stop }).catch(() => undefined)
      if (stop?.aborted) throw error
    }
  }
}

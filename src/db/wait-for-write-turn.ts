import { setTimeout as sleep } from 'node:timers/promises'
import { isDatabaseBusy } from '../errors.js'
import type { Store } from './open-store.js'

/** How often {@link waitForWriteTurn} asks again, in milliseconds. */
const TRY_EVERY_MS = 250

/**
 * Waits until no other process holds the SQLite store's write lock (another `pulse ingest`, a sync),
 * asking every 250 ms without blocking the process, for up to `waitMs`; `onWait` is called once,
 * when the first ask finds the lock held. Returns at once on PostgreSQL, where writers queue on
 * their own locks, and inside a transaction this connection holds. A writer that starts between
 * this and the caller's own write is still waited for by SQLite's busy timeout (5 s).
 *
 * @throws SQLite's busy error when the lock is still held after `waitMs`.
 * @example await waitForWriteTurn(store, 120_000, () => log('waiting for another import'))
 */
export async function waitForWriteTurn(store: Store, waitMs: number, onWait: () => void): Promise<void> {
  const sqlite = store.sqlite
  if (!sqlite || sqlite.inTransaction || sqlite.readonly) return
  const giveUpAt = Date.now() + waitMs
  const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number
  for (let said = false; ; said = true) {
    try {
      sqlite.pragma('busy_timeout = 0')
      // Taking the lock and handing it back at once writes nothing.
      sqlite.exec('BEGIN IMMEDIATE')
      sqlite.exec('ROLLBACK')
      return
    } catch (error) {
      if (!isDatabaseBusy(error) || Date.now() >= giveUpAt) throw error
    } finally {
      sqlite.pragma(`busy_timeout = ${timeout}`)
    }
    if (!said) onWait()
    await sleep(TRY_EVERY_MS)
  }
}

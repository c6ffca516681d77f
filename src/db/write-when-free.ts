import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'
import { writeUnlessBusy } from './write-unless-busy.js'

/** How long a write waits between tries while another process holds the SQLite file. */
const RETRY_MS = 200

/**
 * Runs `write` once SQLite lets it, keeping the process responsive meanwhile: while another
 * process holds the file for writing (a large `pulse ingest`), each try gives up at once instead
 * of waiting out SQLite's busy timeout with the whole process stopped (better-sqlite3 is
 * synchronous), and the next try comes after a pause in which the app serves others. Gives up
 * after `waitMs` with SQLite's busy error, or at once when `stop` is aborted (the process is
 * stopping). On PostgreSQL `write` simply runs.
 *
 * @throws SQLite's busy error (`code` `SQLITE_BUSY`) when the file stayed held for `waitMs` (or until `stop`);
 * whatever `write` throws otherwise.
 * @example await writeWhenFree(db, (d) => markOutboxSent(d, id, sent))
 */
export async function writeWhenFree<T>(
  db: Kysely<Database>,
  write: (db: Kysely<Database>) => Promise<T>,
  waitMs = 120_000,
  stop?: AbortSignal,
): Promise<T> {
  const giveUpAt = Date.now() + waitMs
  for (;;) {
    let result: T | undefined
    if (
      await writeUnlessBusy(db, async (d) => {
        result = await write(d)
      })
    )
      return result as T
    if (Date.now() >= giveUpAt || stop?.aborted) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    await sleep(RETRY_MS, undefined, { signal: stop }).catch(() => undefined)
  }
}

import { type Kysely, sql } from 'kysely'
import { isDatabaseBusy } from '../errors.js'
import { dialectOf } from './dialect.js'
import type { Database } from './schema.js'

/**
 * Runs `write` unless another process holds the SQLite file for writing (a large `pulse ingest`,
 * say): then it returns false at once instead of waiting. SQLite would otherwise wait up to its
 * busy timeout (5 s) with the whole process stopped (better-sqlite3 is synchronous), so a Slack
 * app doing the write would answer nobody meanwhile. For writes that may be skipped (caches,
 * bookkeeping) on a path where someone is waiting. On PostgreSQL `write` simply runs.
 *
 * @returns true when `write` ran, false when it was skipped because the file was busy.
 * @throws whatever `write` throws other than SQLite's busy error.
 * @example await writeUnlessBusy(db, (d) => saveSlackUserLookup(d, email, id, now))
 */
export async function writeUnlessBusy(db: Kysely<Database>, write: (db: Kysely<Database>) => Promise<unknown>): Promise<boolean> {
  if (dialectOf(db) === 'postgres') {
    await write(db)
    return true
  }
  // One reserved connection, so no other query runs while the busy timeout is off.
  return db.connection().execute(async (conn) => {
    const before = (await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(conn)).rows[0]?.timeout ?? 0
    await sql`PRAGMA busy_timeout = 0`.execute(conn)
    try {
      await write(conn)
      return true
    } catch (error) {
      if (isDatabaseBusy(error)) return false
      throw error
    } finally {
      await sql.raw(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(Number(before)))}`).execute(conn)
    }
  })
}

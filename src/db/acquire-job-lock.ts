import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Takes the lock row of `job` for `holder` (a token unique to this run) until `now + ttlMs`.
 * Succeeds when no one holds it, or the holder's lease ran out (its process died). One atomic
 * statement, so two app instances sharing the database can never both get it; works the same
 * on SQLite and Postgres. Returns true when `holder` now holds the lock.
 */
export async function acquireJobLock(db: Kysely<Database>, job: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const at = now.toISOString()
  const until = new Date(now.getTime() + ttlMs).toISOString()
  await db
    .insertInto('job_locks')
    .values({ job, holder, acquired_at: at, expires_at: until })
    .onConflict((oc) =>
      oc.column('job').doUpdateSet({ holder, acquired_at: at, expires_at: until }).where('job_locks.expires_at', '<=', at),
    )
    .execute()
  const row = await db.selectFrom('job_locks').select('holder').where('job', '=', job).executeTakeFirst()
  return row?.holder === holder
}

/** Extends the lease of a lock `holder` still holds; false when it lost it. */
export async function renewJobLock(db: Kysely<Database>, job: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('job_locks')
    .set({ expires_at: new Date(now.getTime() + ttlMs).toISOString() })
    .where('job', '=', job)
    .where('holder', '=', holder)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Gives the lock back (only if `holder` still holds it). */
export async function releaseJobLock(db: Kysely<Database>, job: string, holder: string): Promise<void> {
  await db.deleteFrom('job_locks').where('job', '=', job).where('holder', '=', holder).execute()
}

/** Who holds `job`'s lock and until when (null when free). */
export async function findJobLock(db: Kysely<Database>, job: string): Promise<{ holder: string; expiresAt: string } | null> {
  const row = await db.selectFrom('job_locks').select(['holder', 'expires_at']).where('job', '=', job).executeTakeFirst()
  return row ? { holder: row.holder, expiresAt: row.expires_at } : null
}

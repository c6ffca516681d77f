import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Kysely } from 'kysely'
import { AppError } from '../errors.js'
import type { Database } from './schema.js'

/**
 * Takes the lock row of `job` for `holder` (a token unique to this run) until `now + ttlMs`.
 * Succeeds when no one holds it, or the holder's lease ran out (its process died). One atomic
 * statement (`INSERT ... ON CONFLICT DO UPDATE ... WHERE expired ... RETURNING`), so two app
 * instances sharing the database can never both get it: on Postgres a concurrent insert of the
 * same key waits for the other's commit and then sees its unexpired row; on SQLite writes are
 * serialized. The same SQL runs on both. Returns true when `holder` now holds the lock.
 */
export async function acquireJobLock(db: Kysely<Database>, job: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const at = now.toISOString()
  const until = new Date(now.getTime() + ttlMs).toISOString()
  const row = await db
    .insertInto('job_locks')
    .values({ job, holder, acquired_at: at, expires_at: until })
    .onConflict((oc) =>
      oc.column('job').doUpdateSet({ holder, acquired_at: at, expires_at: until }).where('job_locks.expires_at', '<=', at),
    )
    .returning('holder')
    .executeTakeFirst()
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

/** Every lock row held now but the tick claims (jobs' leases, instance holds), by job. */
export async function findHeldJobLocks(db: Kysely<Database>): Promise<Array<{ job: string; holder: string; expiresAt: string }>> {
  const rows = await db
    .selectFrom('job_locks')
    .select(['job', 'holder', 'expires_at'])
    .where('job', 'not like', 'tick:%')
    .orderBy('job')
    .execute()
  return rows.map((r) => ({ job: r.job, holder: r.holder, expiresAt: r.expires_at }))
}

/** The lock row a `pulse serve` on SQLite holds while it runs (SQLite serves one instance). */
export const SQLITE_INSTANCE_LOCK = 'instance:serve'

/**
 * When the `pulse serve` that holds this store now took it (ISO time), or null when no live one
 * does (no row, or its lease ran out at `now`). See `holdSqliteInstance`.
 */
export async function findServeHeldSince(db: Kysely<Database>, now: Date): Promise<string | null> {
  const row = await db
    .selectFrom('job_locks')
    .select('acquired_at')
    .where('job', '=', SQLITE_INSTANCE_LOCK)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst()
  return row?.acquired_at ?? null
}

/** The `job_locks` key of one scheduled tick of a job (see {@link claimJobTick}). */
export function jobTickKey(job: string, tick: Date): string {
  return `tick:${job}:${tick.toISOString()}`
}

/** How long a claimed tick's row is kept (it only has to outlive every instance's late wake-up). */
export const JOB_TICK_KEEP_MS = 24 * 60 * 60_000

/**
 * Claims the scheduled tick `tick` (the cron slot, the same instant on every instance) of `job`
 * for `holder`: the first instance to ask wins and every later one gets false, however late it
 * wakes up, even after the winner has finished and released the job's lock. This is what makes a
 * job run once per tick across instances; the lease of {@link acquireJobLock} only keeps runs
 * from overlapping. Asked again with the same `holder` (the same run trying again after the
 * database went away mid-way), the tick is still its own. One `INSERT ... ON CONFLICT DO UPDATE
 * ... WHERE holder = holder RETURNING` on a row keyed by job and tick (same SQL on SQLite and
 * Postgres). Claims older than {@link JOB_TICK_KEEP_MS} are deleted.
 */
export async function claimJobTick(db: Kysely<Database>, job: string, tick: Date, holder: string, now: Date): Promise<boolean> {
  await db.deleteFrom('job_locks').where('job', 'like', 'tick:%').where('expires_at', '<=', now.toISOString()).execute()
  const row = await db
    .insertInto('job_locks')
    .values({
      job: jobTickKey(job, tick),
      holder,
      acquired_at: now.toISOString(),
      expires_at: new Date(now.getTime() + JOB_TICK_KEEP_MS).toISOString(),
    })
    // A claim already `holder`'s (a retry of the same tick) still stands: the no-op update returns it.
    .onConflict((oc) => oc.column('job').doUpdateSet({ holder }).where('job_locks.holder', '=', holder))
    .returning('holder')
    .executeTakeFirst()
  return row?.holder === holder
}

/** Options of {@link withJobLock}. */
export interface WithJobLockOptions {
  /** Lease on the lock; renewed every third of it while `fn` runs. */
  readonly ttlMs: number
  /** How long to wait for another holder to give the lock back (polling) before giving up. */
  readonly waitMs: number
  /** Gap between two asks while waiting (default 100 ms). */
  readonly pollMs?: number
  /** Ends the wait early (the app shutting down): then `fn` does not run. */
  readonly signal?: AbortSignal
}

/**
 * Runs `fn` while holding lock row `job` (holder `host:pid#<uuid>`, as job runs), so that across every process
 * sharing the database no two such sections of `job` run at once: a caller that finds the lock
 * held waits (polling) until it is given back or its lease runs out (its holder died), then
 * runs. The lock is renewed while `fn` runs and given back when it ends, however it ends.
 *
 * @throws AppError `internal` when the lock is still held after `options.waitMs`, or `options.signal`
 *   was aborted while waiting for it; whatever `fn` throws.
 */
export async function withJobLock<T>(db: Kysely<Database>, job: string, fn: () => Promise<T>, options: WithJobLockOptions): Promise<T> {
  const holder = `${hostname()}:${process.pid}#${randomUUID()}`
  const giveUpAt = Date.now() + options.waitMs
  while (!(await acquireJobLock(db, job, holder, options.ttlMs, new Date()))) {
    if (options.signal?.aborted) {
      throw new AppError('internal', `Stopped while waiting for another Sales Pulse process to finish "${job}"; it runs again next time.`)
    }
    if (Date.now() >= giveUpAt) {
      const held = await findJobLock(db, job)
      throw new AppError(
        'internal',
        `Another Sales Pulse process has been holding "${job}" for over ${Math.round(options.waitMs / 1000)} s${held ? ` (${held.holder}, until ${held.expiresAt})` : ''}. Try again when it has finished.`,
      )
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100))
  }
  const renew = setInterval(() => {
    renewJobLock(db, job, holder, options.ttlMs, new Date()).catch(() => undefined)
  }, options.ttlMs / 3)
  renew.unref()
  try {
    return await fn()
  } finally {
    clearInterval(renew)
    await releaseJobLock(db, job, holder).catch(() => undefined)
  }
}

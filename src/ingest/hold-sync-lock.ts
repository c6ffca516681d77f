import type { Kysely } from 'kysely'
import { acquireJobLock, findJobLock, releaseJobLock, renewJobLock } from '../db/acquire-job-lock.js'
import { lockHolderGone } from '../db/lock-holder-gone.js'
import type { Database } from '../db/schema.js'

/** The lease of a sync started by hand (`pulse sync`, `/pulse sync`), renewed every third of it. */
export const SYNC_LOCK_TTL_MS = 5 * 60_000

/** The `sync` job lock, held by {@link holdSyncLock} until released. */
export interface SyncLockHold {
  readonly holder: string
  /** Stops renewing and gives the lock back (safe to call more than once). */
  release(): Promise<void>
}

/**
 * Takes the `sync` job lock for `holder`: one CRM sync at a time per database, as the scheduled
 * sync, `pulse sync` and `/pulse sync` all take it. The lease is short and renewed every third of
 * it while held, so however long the sync runs no other starts beside it, and a process that dies
 * mid-sync frees the lock within minutes wherever it ran. A lock left by a process on this machine
 * that is gone (killed outright, so it could not give it back) is taken over at once. Returns
 * null when a live sync holds the lock.
 */
export async function holdSyncLock(
  db: Kysely<Database>,
  holder: string,
  options: { ttlMs?: number; holderGone?: (holder: string) => boolean } = {},
): Promise<SyncLockHold | null> {
  const ttl = options.ttlMs ?? SYNC_LOCK_TTL_MS
  const holderGone = options.holderGone ?? lockHolderGone
  if (!(await acquireJobLock(db, 'sync', holder, ttl, new Date()))) {
    const held = await findJobLock(db, 'sync')
    if (held === null || !holderGone(held.holder)) return null
    await releaseJobLock(db, 'sync', held.holder)
    if (!(await acquireJobLock(db, 'sync', holder, ttl, new Date()))) return null
  }
  const renew = setInterval(() => {
    renewJobLock(db, 'sync', holder, ttl, new Date()).catch(() => undefined)
  }, ttl / 3)
  renew.unref()
  let released: Promise<void> | undefined
  return {
    holder,
    release() {
      clearInterval(renew)
      released ??= releaseJobLock(db, 'sync', holder).catch(() => undefined)
      return released
    },
  }
}

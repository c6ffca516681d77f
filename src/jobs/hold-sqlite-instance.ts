import { hostname } from 'node:os'
import {
  acquireJobLock,
  findHeldJobLocks,
  findJobLock,
  releaseJobLock,
  renewJobLock,
  SQLITE_INSTANCE_LOCK,
} from '../db/acquire-job-lock.js'
import { closeJobRunsOfInstance, findRunningJobInstances } from '../db/begin-job-run.js'
import { localProcessGone } from '../db/local-process-gone.js'
import type { Store } from '../db/open-store.js'
import { retryWhileBusy } from '../db/retry-while-busy.js'
import { AppError } from '../errors.js'
import type { Logger } from '../log/create-logger.js'

/** How long the hold lasts without renewal (renewed every third of it). */
export const SQLITE_INSTANCE_TTL_MS = 30_000

/** A held instance slot; give it back on shutdown. */
export interface InstanceHold {
  release(): Promise<void>
}

/**
 * Makes `pulse serve` the only instance on a SQLite store: SQLite serves one instance by design
 * (its outbox claims have no lease, so a second process draining the same file would take over,
 * and send again, messages the first is still sending). Holds a lease row in `job_locks`
 * (`instance:serve`, holder `host:pid`), renewed while the process runs and given back by
 * `release()`. A row left by a process on this machine that is gone (killed) is taken over at
 * once; one from another machine runs out {@link SQLITE_INSTANCE_TTL_MS} after its last renewal.
 * Once held, the job leases a killed instance on this machine left are given back (no other
 * instance can be running its jobs), so its jobs run again at their next tick instead of after
 * the lease, and the runs it left `running` are marked `interrupted` at once.
 * On PostgreSQL (several instances supported) it holds nothing. While SQLite answers busy it waits
 * (up to two minutes), unless `stop` is aborted.
 *
 * @throws AppError `bad_config` when another live `pulse serve` holds the store, naming it and
 *   the way out (stop it, or run several instances on PostgreSQL).
 */
export async function holdSqliteInstance(
  store: Store,
  options: { logger: Logger; instanceId?: string; ttlMs?: number; now?: () => Date; stop?: AbortSignal },
): Promise<InstanceHold> {
  if (store.dialect !== 'sqlite') return { release: async () => undefined }
  const db = store.db
  const ttl = options.ttlMs ?? SQLITE_INSTANCE_TTL_MS
  const now = options.now ?? (() => new Date())
  const holder = options.instanceId ?? `${hostname()}:${process.pid}`
  let held = await whileBusy(options, () => acquireJobLock(db, SQLITE_INSTANCE_LOCK, holder, ttl, now()))
  if (!held) {
    const other = await findJobLock(db, SQLITE_INSTANCE_LOCK)
    if (other && deadLocalProcess(other.holder)) {
      await releaseJobLock(db, SQLITE_INSTANCE_LOCK, other.holder)
      held = await acquireJobLock(db, SQLITE_INSTANCE_LOCK, holder, ttl, now())
    }
    if (!held) {
      throw new AppError(
        'bad_config',
        `Another \`pulse serve\` (${other?.holder ?? 'unknown'}) is running on this SQLite database, and SQLite serves one instance. Stop that one first, or run several instances on PostgreSQL: set PULSE_DATABASE_URL (see docs/multi-instance.md).`,
      )
    }
  }
  for (const lock of await findHeldJobLocks(db)) {
    const instance = lock.holder.split('#')[0] as string
    if (lock.job !== SQLITE_INSTANCE_LOCK && instance !== lock.holder && deadLocalProcess(instance)) {
      await whileBusy(options, () => releaseJobLock(db, lock.job, lock.holder))
      options.logger.warn({ job: lock.job, holder: lock.holder }, 'job lease of a stopped instance given back')
    }
  }
  // Its runs cut off mid-way say so in `pulse status` now, not at the job's next run (days away for a weekly retrain).
  for (const instance of await findRunningJobInstances(db)) {
    if (!deadLocalProcess(instance)) continue
    const closed = await whileBusy(options, () => closeJobRunsOfInstance(db, instance, now()))
    if (closed > 0) options.logger.warn({ instance, runs: closed }, 'job runs of a stopped instance marked interrupted')
  }
  const renew = setInterval(() => {
    renewJobLock(db, SQLITE_INSTANCE_LOCK, holder, ttl, now())
      .then((still) => {
        if (!still) options.logger.warn('another pulse serve took over this SQLite database; stop one of them')
      })
      .catch(() => undefined)
  }, ttl / 3)
  renew.unref()
  return {
    async release() {
      clearInterval(renew)
      await releaseJobLock(db, SQLITE_INSTANCE_LOCK, holder).catch(() => undefined)
    },
  }
}

/** How long start-up waits for a store another process is writing (a large import) before giving up. */
const BUSY_WAIT_MS = 120_000

// Runs `fn`, again every second while SQLite answers busy (an import holds the write lock), up to
// BUSY_WAIT_MS or until `stop` is aborted.
function whileBusy<T>(options: { logger: Logger; stop?: AbortSignal }, fn: () => Promise<T>): Promise<T> {
  return retryWhileBusy(
    fn,
    BUSY_WAIT_MS,
    () => options.logger.warn('the database is busy (an import or a sync is writing to it); waiting for it before starting'),
    options.stop,
  )
}

/**
 * Whether `holder` (`host:pid`) names a process on this machine that no longer exists. Our own
 * pid counts as gone: it is an earlier process that had the same pid (a restarted container).
 */
function deadLocalProcess(holder: string): boolean {
  const m = /^(.+):(\d+)$/.exec(holder)
  if (!m || m[1] !== hostname()) return false
  return Number(m[2]) === process.pid || localProcessGone(m[1], Number(m[2]))
}

import type { Kysely } from 'kysely'
import { findJobLock } from './acquire-job-lock.js'
import { findLastJobRuns, findRecentJobRuns, type JobRun, type JobRunSummary } from './begin-job-run.js'
import { findRecentSyncRuns, type SyncRun } from './begin-sync-run.js'
import { countDealsBySource, type DealCounts } from './count-deals-by-source.js'
import { lockHolderGone } from './lock-holder-gone.js'
import type { Database } from './schema.js'
import { NO_OWNER_EMAIL, NO_SLACK_USER } from './slack-outbox.js'

/** What `pulse status` and `/pulse status` show about the data and the jobs. */
export interface SyncStatus {
  /** The latest run of each source that ever synced, newest first. */
  lastSyncs: SyncRun[]
  /** Deals stored, in total and by source and outcome. */
  deals: DealCounts
  owners: number
  stageHistoryRows: number
  /** Latest job runs, newest first (skipped ticks included). */
  recentJobs: JobRun[]
  /**
   * For each job, by name: its latest run that was not skipped, and its latest failure when no
   * run succeeded since (see `findLastJobRuns`); skipped ticks cannot push these out of sight.
   */
  lastJobRuns: JobRunSummary[]
  /** The latest CSV import (null when none), with its counts. */
  lastImport: {
    file: string | null
    startedAt: string
    finishedAt: string | null
    status: string
    read: number
    inserted: number
    updated: number
    /**
     * Stored deals the import kept as stored, its rows being older (see `CommittedImport`):
     * `import_runs` records them as the rows read that were neither inserted, updated nor rejected.
     */
    staysKeptFromStore: number
    rejected: number
  } | null
  /**
   * The Slack messages the app sends on its own (owner DMs, digests, channel alerts): how many
   * wait to be sent, and of those recorded in the last 7 days, how many Slack refused for good
   * (by Slack's reason, with the distinct deals of the refused stalled-deal DMs, sorted, and how
   * many of them were managers' digests, and, not shown by `pulse status --json`, win-rate alerts), how many could not be addressed (no owner email, or an owner Slack does
   * not know) and how many were dropped before sending as no longer needed (the stall ended, or
   * the alert or digest went stale).
   */
  messages: {
    waiting: number
    refused: Array<{ reason: string; count: number; dealIds: string[]; digests: number; alerts: number }>
    undeliverable: number
    dropped: number
  }
}

/** The message of a sync run shown as interrupted because no process is running it any more. */
export const SYNC_PROCESS_GONE =
  'The process running this sync stopped before it finished (killed or crashed); the next sync resumes from the last stored page.'

/** The message of a job run shown as interrupted because its process is gone. */
const JOB_PROCESS_GONE = 'The process running this job stopped before the run finished.'

/**
 * A job run as status shows it: one still recorded as `running` whose process `holderGone`
 * knows to be gone (a `pulse serve` killed outright) is not going on, so it shows as `interrupted`.
 */
export function shownJobRun(j: JobRun, holderGone: (holder: string) => boolean = lockHolderGone): JobRun {
  return j.status === 'running' && holderGone(j.instance) ? { ...j, status: 'interrupted', error: j.error ?? JOB_PROCESS_GONE } : j
}

/**
 * Whether a CRM sync is going on at `now`: every sync runs under the `sync` job lock, so one is
 * going on only while that lock is held, unexpired, by a holder `holderGone` does not know to be
 * gone (a process on this machine killed outright cannot give its lock back). A sync run row
 * still marked `running` while none is going on was cut short without recording its end.
 */
export async function isSyncGoingOn(
  db: Kysely<Database>,
  now: Date,
  holderGone: (holder: string) => boolean = lockHolderGone,
): Promise<boolean> {
  const lock = await findJobLock(db, 'sync')
  return lock !== null && lock.expiresAt > now.toISOString() && !holderGone(lock.holder)
}

/**
 * Reads the sync and job status (cheap: a few counts and the latest rows). A sync run still
 * marked `running` whose process is gone (killed outright, so it could not record its end) is
 * shown as `interrupted`: every sync runs under the `sync` job lock, so a run is going on only
 * while that lock is held, unexpired at `now`, by a holder `holderGone` (default
 * {@link lockHolderGone}) does not know to be gone. A job run still `running` on an instance
 * (`host:pid`) that `holderGone` knows to be gone is shown as `interrupted` too.
 */
export async function findSyncStatus(
  db: Kysely<Database>,
  recentJobs = 10,
  options: { now?: Date; holderGone?: (holder: string) => boolean } = {},
): Promise<SyncStatus> {
  const runs = await findRecentSyncRuns(db, 50)
  const seen = new Set<string>()
  let lastSyncs = runs.filter((r) => (seen.has(r.source) ? false : seen.add(r.source)))
  const holderGone = options.holderGone ?? lockHolderGone
  if (lastSyncs.some((r) => r.status === 'running')) {
    if (!(await isSyncGoingOn(db, options.now ?? new Date(), holderGone))) {
      lastSyncs = lastSyncs.map((r) =>
        r.status === 'running' ? { ...r, status: 'interrupted', error_message: r.error_message ?? SYNC_PROCESS_GONE } : r,
      )
    }
  }
  const deals = await countDealsBySource(db)
  const owners = await db
    .selectFrom('owners')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  const history = await db
    .selectFrom('stage_history')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  // A job run whose process is gone (a `pulse serve` killed outright) is not going on either.
  const shown = (j: JobRun): JobRun => shownJobRun(j, holderGone)
  const jobs = (await findRecentJobRuns(db, recentJobs)).map(shown)
  const lastJobRuns = (await findLastJobRuns(db)).map((j) => ({ ...j, lastRun: shown(j.lastRun) }))
  const imported = await latestImportRuns(db).selectAll().limit(1).executeTakeFirst()
  return {
    lastImport: imported
      ? {
          file: imported.file,
          startedAt: imported.started_at,
          finishedAt: imported.finished_at,
          status: imported.status,
          read: Number(imported.rows_read),
          inserted: Number(imported.rows_inserted),
          updated: Number(imported.rows_updated),
          staysKeptFromStore: keptOf(imported),
          rejected: Number(imported.rows_rejected),
        }
      : null,
    lastSyncs,
    deals,
    owners: Number(owners.n),
    stageHistoryRows: Number(history.n),
    recentJobs: jobs,
    lastJobRuns,
    messages: await findMessageStatus(db, new Date(Date.now() - WEEK_MS).toISOString()),
  }
}

const WEEK_MS = 7 * 86_400_000

// The rows of a finished import that it neither inserted, updated nor rejected: the deals it kept
// as stored. (Runs of releases that counted them as updated, and runs not finished, give 0.)
function keptOf(run: { status: string; rows_read: number; rows_inserted: number; rows_updated: number; rows_rejected: number }): number {
  if (run.status !== 'done') return 0
  return Math.max(0, Number(run.rows_read) - Number(run.rows_inserted) - Number(run.rows_updated) - Number(run.rows_rejected))
}

async function findMessageStatus(db: Kysely<Database>, since: string): Promise<SyncStatus['messages']> {
  const rows = await db
    .selectFrom('slack_outbox')
    .select(['status', 'last_error', (eb) => eb.fn.countAll<number>().as('n')])
    .where((eb) => eb.or([eb('status', 'in', ['pending', 'sending']), eb('created_at', '>=', since)]))
    .groupBy(['status', 'last_error'])
    .execute()
  const messages: SyncStatus['messages'] = { waiting: 0, refused: [], undeliverable: 0, dropped: 0 }
  for (const r of rows) {
    const n = Number(r.n)
    if (r.status === 'pending' || r.status === 'sending') messages.waiting += n
    else if (r.status === 'skipped' && (r.last_error === NO_OWNER_EMAIL || r.last_error === NO_SLACK_USER)) messages.undeliverable += n
    else if (r.status === 'skipped') messages.dropped += n
    else if (r.status === 'failed')
      messages.refused.push({ reason: r.last_error ?? 'unknown', count: n, dealIds: [], digests: 0, alerts: 0 })
  }
  if (messages.refused.length > 0) {
    const failed = await db
      .selectFrom('slack_outbox')
      .select(['last_error', 'kind', 'deal_id'])
      .where('status', '=', 'failed')
      .where('created_at', '>=', since)
      .execute()
    for (const f of failed) {
      const group = messages.refused.find((g) => g.reason === (f.last_error ?? 'unknown'))
      if (!group) continue
      if (f.kind === 'digest') group.digests++
      else if (f.kind === 'anomaly') group.alerts++
      else if (f.deal_id !== null && !group.dealIds.includes(f.deal_id)) group.dealIds.push(f.deal_id)
    }
    for (const g of messages.refused) g.dealIds.sort()
  }
  messages.refused.sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
  return messages
}

/**
 * `import_runs` latest first: by the time each finished (or started, while it runs), then by run
 * id. Not by run id alone: on PostgreSQL two imports run at once, and the one started first (the
 * lower id) may commit last, so that its data is what the store holds.
 */
export function latestImportRuns(db: Kysely<Database>) {
  return db
    .selectFrom('import_runs')
    .orderBy((eb) => eb.fn.coalesce('finished_at', 'started_at'), 'desc')
    .orderBy('run_id', 'desc')
}

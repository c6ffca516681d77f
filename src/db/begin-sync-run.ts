import type { Kysely, Selectable } from 'kysely'
import type { Database } from './schema.js'
import type { SyncRunsTable } from './schema-crm-sync.js'

/** A stored sync run. */
export type SyncRun = Selectable<SyncRunsTable>

/**
 * Records the start of a sync of `source`. Runs of that source still marked `running` were cut
 * short by a crash or kill (syncs of one source never overlap: the job lock sees to that), so
 * they are marked `interrupted` first. Returns the new run id.
 */
export async function beginSyncRun(
  db: Kysely<Database>,
  run: { source: string; mode: 'full' | 'incremental'; startedBy: string | null; now: Date },
): Promise<number> {
  const at = run.now.toISOString()
  await interruptSyncRuns(db, run.source, run.now, 'The process stopped before the sync finished.')
  const row = await db
    .insertInto('sync_runs')
    .values({ source: run.source, mode: run.mode, started_at: at, status: 'running', started_by: run.startedBy })
    .returning('run_id')
    .executeTakeFirstOrThrow()
  return Number(row.run_id)
}

/**
 * Marks the runs of `source` still `running` as `interrupted`, with `message` (free of secrets:
 * users see it): a sync stopped by a signal before it could finish its run, or one found cut
 * short when the next starts.
 */
export async function interruptSyncRuns(db: Kysely<Database>, source: string, now: Date, message: string): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({ status: 'interrupted', finished_at: now.toISOString(), errors: 1, error_message: message })
    .where('source', '=', source)
    .where('status', '=', 'running')
    .execute()
}

/** Records how a sync run ended (`interrupted`: stopped on purpose). `errorMessage` must be free of secrets: users see it. */
export async function finishSyncRun(
  db: Kysely<Database>,
  runId: number,
  end: { status: 'done' | 'failed' | 'interrupted'; now: Date; errorMessage?: string | null; removed?: number },
): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set((eb) => ({
      status: end.status,
      finished_at: end.now.toISOString(),
      errors: end.status === 'failed' ? eb('errors', '+', 1) : eb.ref('errors'),
      error_message: end.errorMessage ?? null,
      removed: eb('removed', '+', end.removed ?? 0),
    }))
    .where('run_id', '=', runId)
    .execute()
}

/** The latest sync runs, newest first (optionally of one source). */
export async function findRecentSyncRuns(db: Kysely<Database>, limit = 10, source?: string): Promise<SyncRun[]> {
  let q = db.selectFrom('sync_runs').selectAll().orderBy('run_id', 'desc').limit(limit)
  if (source !== undefined) q = q.where('source', '=', source)
  return q.execute()
}

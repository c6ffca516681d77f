import type { ColumnType, Generated } from 'kysely'

/** An integer column with a default: optional on insert. */
type Counter = ColumnType<number, number | undefined, number>

/** `crm_sync_state`: each CRM source's watermark (opaque to the store), written with the data it covers. */
export interface CrmSyncStateTable {
  source: string
  watermark: string | null
  updated_at: string
}

/** `crm_full_sync_seen`: the deals a full sync of `source` has stored so far (see `beginFullSync`). */
export interface CrmFullSyncSeenTable {
  source: string
  deal_id: string
}

/** `sync_runs`: one row per CRM sync (contract: visible in `pulse status` and `/pulse status`). */
export interface SyncRunsTable {
  run_id: Generated<number>
  source: string
  mode: 'full' | 'incremental'
  started_at: string
  finished_at: ColumnType<string | null, string | null | undefined, string | null>
  /** `interrupted`: the process died mid-run (found and marked by the next run). */
  status: 'running' | 'done' | 'failed' | 'interrupted'
  pages: Counter
  deals: Counter
  removed: Counter
  errors: Counter
  error_message: ColumnType<string | null, string | null | undefined, string | null>
  started_by: string | null
}

/** `job_runs`: one row per scheduled job run (or per skipped tick when another instance held the lock). */
export interface JobRunsTable {
  run_id: Generated<number>
  job: string
  instance: string
  started_at: string
  finished_at: ColumnType<string | null, string | null | undefined, string | null>
  status: 'running' | 'done' | 'failed' | 'skipped' | 'interrupted'
  error: ColumnType<string | null, string | null | undefined, string | null>
  /** 1 when this failure alerted the admins. */
  alerted: Counter
}

/** `job_locks`: who runs a job right now; a lease that expires if its holder dies. */
export interface JobLocksTable {
  job: string
  holder: string
  acquired_at: string
  expires_at: string
}

/** Tables of the crm-sync area, created by `migrations/0004-crm-sync.ts` and `0013-full-sync-seen.ts`. */
export interface CrmSyncTables {
  crm_sync_state: CrmSyncStateTable
  crm_full_sync_seen: CrmFullSyncSeenTable
  sync_runs: SyncRunsTable
  job_runs: JobRunsTable
  job_locks: JobLocksTable
}

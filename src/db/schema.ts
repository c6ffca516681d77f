import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'
import type { DealSource, Outcome } from '../domain/normalized-deal.js'
import type { AnalyticsTables } from './schema-analytics.js'
import type { CrmSyncTables } from './schema-crm-sync.js'
import type { ModelTables } from './schema-model.js'
import type { SlackTables } from './schema-slack.js'

/** Defined with the deal in `src/domain/normalized-deal.ts`; the store's columns use them. */
export type { DealSource, Outcome }

/** `deals`: the current state of each deal, one row per deal. Dates are `YYYY-MM-DD` (UTC). */
export interface DealsTable {
  deal_id: string
  source: string
  deal_name: string | null
  owner_id: string
  owner_email: string | null
  created_date: string
  created_month: string
  closed_date: string | null
  closed_month: string | null
  outcome: Outcome
  stage: string
  stage_entered_date: string | null
  lost_at_stage: string | null
  amount: number
  amount_band: string
  currency: string | null
  industry: string
  region: string
  product_type: string
  lead_source: string
  sales_cycle_days: number | null
  last_activity_date: string | null
  updated_date: string | null
  archived: ColumnType<number, number | undefined, number>
  crm_url: string | null
  /** JSON object of extra import columns, or null. */
  extra: string | null
  import_run_id: number | null
}

/** `stage_history`: one row per stay of a deal in a stage. `left_at` is null while it stays. */
export interface StageHistoryTable {
  deal_id: string
  stage: string
  entered_at: string
  left_at: string | null
}

/** `owners`: deal owners and their emails (matched to Slack users by email). */
export interface OwnersTable {
  owner_id: string
  email: string | null
  name: string | null
  source: string
  updated_at: string
}

/** `stages`: the stage order (from `PULSE_STAGES` or the CRM pipeline). */
export interface StagesTable {
  name: string
  position: number
  is_closed: number
  is_won: number
  source: string
}

/** `import_runs`: one row per CSV import. */
export interface ImportRunsTable {
  run_id: Generated<number>
  source: string
  file: string | null
  started_by: string | null
  started_at: string
  finished_at: string | null
  status: 'running' | 'done' | 'failed'
  rows_read: number
  rows_inserted: number
  rows_updated: number
  rows_rejected: number
}

/** `rejected_rows`: quarantined input rows with their line number and reason. */
export interface RejectedRowsTable {
  run_id: number
  line: number
  reason: string
  raw: string
}

/** `meta`: small key/value facts about the store (for example the data version). */
export interface MetaTable {
  key: string
  value: string
}

/**
 * Every table of the store: the core tables here, and each area's tables in its own
 * `schema-<area>.ts` (declared by that area's migration).
 */
export interface Database extends AnalyticsTables, ModelTables, CrmSyncTables, SlackTables {
  deals: DealsTable
  stage_history: StageHistoryTable
  owners: OwnersTable
  stages: StagesTable
  import_runs: ImportRunsTable
  rejected_rows: RejectedRowsTable
  meta: MetaTable
}

/** A `deals` row as read. */
export type DealRow = Selectable<DealsTable>
/** A `deals` row as written (generated and defaulted columns optional). */
export type NewDeal = Insertable<DealsTable>

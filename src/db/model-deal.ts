import type { DealRow } from './schema.js'

/** The fields of a stored deal that the win model and the health score read. Dates `YYYY-MM-DD`. */
export type ModelDeal = Pick<
  DealRow,
  | 'deal_id'
  | 'deal_name'
  | 'owner_id'
  | 'owner_email'
  | 'created_date'
  | 'closed_date'
  | 'outcome'
  | 'stage'
  | 'stage_entered_date'
  | 'lost_at_stage'
  | 'amount'
  | 'amount_band'
  | 'industry'
  | 'region'
  | 'product_type'
  | 'lead_source'
  | 'sales_cycle_days'
  | 'last_activity_date'
  | 'updated_date'
> &
  /** The deal's currency as stored (null or absent: not stated); reasons write its amount band in it. */
  Partial<Pick<DealRow, 'currency'>>

/** What scoring reads of an open deal (a {@link ModelDeal} without its name, email and cycle length). */
export type ScoringDeal = Omit<ModelDeal, 'deal_name' | 'owner_email' | 'sales_cycle_days'>

/** Won and lost deals of one owner closed on one day (all of the store's closed deals, stale or not). */
export interface OwnerCloseCount {
  owner_id: string
  closed_date: string
  won: number
  lost: number
}

/** How many won deals spent `days` whole days in `stage` before moving on. */
export interface StageDurationCount {
  stage: string
  days: number
  deals: number
}

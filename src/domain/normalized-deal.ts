/** A deal's outcome as stored: lower-case. */
export type Outcome = 'won' | 'lost' | 'open'

/** Where a deal came from. */
export type DealSource = 'csv' | 'hubspot' | 'salesforce'

/**
 * A deal as every source (CSV, HubSpot, Salesforce) yields it, before it is stored.
 * Dates are `YYYY-MM-DD` in UTC; amounts are numbers in the deal's currency.
 */
export interface NormalizedDeal {
  dealId: string
  source: string
  name: string | null
  ownerId: string
  ownerEmail: string | null
  createdDate: string
  /** Set for won and lost deals only. */
  closedDate: string | null
  outcome: Outcome
  /** Open deal: current stage. Lost deal: the stage it was lost at. Won deal: any. */
  stage: string
  stageEnteredDate: string | null
  amount: number
  /**
   * True when the source gave no usable amount (a CRM deal with its amount blank, 0, negative or
   * unreadable): `amount` is then 0 and the deal's amount band is `Unknown`, not `<10k`.
   */
  amountMissing?: boolean
  currency: string | null
  industry: string
  region: string
  productType: string
  leadSource: string
  salesCycleDays: number | null
  lastActivityDate: string | null
  updatedDate: string | null
  crmUrl: string | null
  archived: boolean
  /** Columns the import did not recognise, kept as they were. */
  extra: Record<string, string> | null
}

/** One stay of a deal in a stage, as a source reports it (`enteredAt` ISO date or date-time). */
export interface StageStay {
  dealId: string
  stage: string
  enteredAt: string
  leftAt: string | null
}

/** A deal as a source yields it, with its complete stage history when the source knows it. */
export interface SyncedDeal {
  deal: NormalizedDeal
  /** Every stay in order (null: the source has no history; the store keeps what it has). */
  history: StageStay[] | null
  /**
   * When the CRM says the deal entered its current stage (a stage-entered date it gives), written
   * as the history's times are; read only when `history` is null, to date a stage change the
   * store records (see `syncStageChange`).
   */
  stageChangedAt?: string | null
  /** When the CRM record last changed, written as the history's times are; read as `stageChangedAt`. */
  modifiedAt?: string | null
}

/** A deal owner as a source reports it. */
export interface NormalizedOwner {
  ownerId: string
  email: string | null
  name: string | null
}

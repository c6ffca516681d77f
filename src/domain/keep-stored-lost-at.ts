import type { NormalizedDeal, SyncedDeal } from './normalized-deal.js'

/** What the store holds of a deal, as {@link keepStoredLostAt} reads it. */
export interface StoredLoss {
  outcome: string
  /** The stored `stage`: an open deal's current stage, a lost deal's stage lost at. */
  stage: string
  stageEnteredDate: string | null
  /** The stage of the latest stay of the stored history in an open stage; null when none. */
  lastOpenStay: string | null
}

/**
 * The deal a sync should store when the CRM sends a lost deal without any stage history (HubSpot
 * left `propertiesWithHistory` out, Salesforce's `OpportunityHistory` query returned nothing for
 * it), so its stage is only the closed one it sits in (`Closed Lost`), while the store knows the
 * open stage it was last in: the stage lost at is then the last open stage of the stored history
 * (which the store keeps, see `SyncedDeal.history`), or with no such history the stored stage when
 * it is open (a deal stored lost at it, or open in it). Null when the synced deal is stored as it
 * came: it carries a history, is not lost, names an open stage, or the store knows no open stage of it.
 * `isOpen` tells the open stages of the stored order.
 * @example keepStoredLostAt({ deal: lostAtClosedLost, history: null }, { outcome: 'lost', stage: 'Contract Sent', stageEnteredDate: null, lastOpenStay: 'Contract Sent' }, isOpen)
 *   // the deal with stage 'Contract Sent'
 */
export function keepStoredLostAt(
  synced: SyncedDeal,
  stored: StoredLoss | undefined,
  isOpen: (stage: string) => boolean,
): NormalizedDeal | null {
  const { deal } = synced
  if (synced.history !== null || deal.outcome !== 'lost' || isOpen(deal.stage) || stored === undefined) return null
  const lostAt = stored.lastOpenStay ?? (isOpen(stored.stage) ? stored.stage : null)
  if (lostAt === null) return null
  // The stored entry date is that of the closed stage of a deal stored lost; an open deal's is its open stage's.
  const entered = stored.outcome === 'lost' ? stored.stageEnteredDate : null
  return { ...deal, stage: lostAt, stageEnteredDate: deal.stageEnteredDate ?? entered }
}

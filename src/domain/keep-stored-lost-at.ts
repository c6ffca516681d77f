import type { NormalizedDeal, SyncedDeal } from './normalized-deal.js'

/** What the store holds of a deal, as {@link keepStoredLostAt} reads it. */
export interface StoredLoss {
  outcome: string
  lostAtStage: string | null
  stageEnteredDate: string | null
}

/**
 * The deal a sync should store when the CRM sends a lost deal without any stage history (HubSpot
 * left `propertiesWithHistory` out, Salesforce's `OpportunityHistory` query returned nothing for
 * it), so its stage is only the closed one it sits in (`Closed Lost`), while the store already holds
 * it lost at an open stage (from the history an earlier sync read): that stored stage lost at is
 * kept, as the stored history that shows it is. Null when the synced deal is stored as it came: it
 * carries a history, is not lost, names an open stage, or the store holds no such loss (a deal
 * stored open and now lost is a new loss). `isOpen` tells the open stages of the stored order.
 * @example keepStoredLostAt({ deal: lostAtClosedLost, history: null }, { outcome: 'lost', lostAtStage: 'Contract Sent', stageEnteredDate: null }, isOpen)
 *   // the deal with stage 'Contract Sent'
 */
export function keepStoredLostAt(
  synced: SyncedDeal,
  stored: StoredLoss | undefined,
  isOpen: (stage: string) => boolean,
): NormalizedDeal | null {
  const { deal } = synced
  if (synced.history !== null || deal.outcome !== 'lost' || isOpen(deal.stage)) return null
  if (stored === undefined || stored.outcome !== 'lost' || stored.lostAtStage === null || !isOpen(stored.lostAtStage)) return null
  return { ...deal, stage: stored.lostAtStage, stageEnteredDate: deal.stageEnteredDate ?? stored.stageEnteredDate }
}

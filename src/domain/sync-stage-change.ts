import type { NormalizedDeal, SyncedDeal } from './normalized-deal.js'

/** What the store holds of a deal, as {@link syncStageChange} reads it. */
export interface StoredStage {
  outcome: string
  /** The stored `stage`: an open deal's current stage, a lost deal's stage lost at. */
  stage: string
  stageEnteredDate: string | null
  createdDate: string
  /** The stage of the latest stay of the stored history still open (`left_at` null); null when none is. */
  openStay: string | null
  /** The latest date of the stored history (an entry or an exit); null when it holds no stay. */
  latest: string | null
}

/** A stage change a sync records in the stored history, as the CSV import does for a row without history. */
export interface SyncStageChange {
  /** The stage the CRM shows the deal in now: its new stay, open. */
  stage: string
  /** When the new stay begins and the open one ends. */
  at: string
  /**
   * With no stored history (an open deal stored without one): the stay of the stored stage, from
   * its stored entry (else the created date) to `at`, added closed. Null: the open stays are closed at `at`.
   */
  oldStay: { stage: string; enteredAt: string } | null
}

/**
 * The stage change a sync records for a deal that came without stage history (HubSpot's batch read
 * without `propertiesWithHistory`, no `OpportunityHistory` row in Salesforce) while the store
 * holds it in another stage: the stored history's open stay (or, without a history, the stored
 * stage of a deal stored open) ends, and a stay in `synced`'s stage (the CRM's own, `Closed Lost`
 * for a lost deal) begins. It begins at the close date for a won or lost deal, else when the CRM
 * says the deal entered its stage (`stageChangedAt`), else its modification time, else `now`: the
 * first of these not before the stored history's latest date or the stored stage entry (else
 * that date), so no stay ends before it began. Null when the deal came with a history, is new, or is in
 * the stage of its open stay (or has no open stay to change: a deal stored won or lost without history, a history whose stays all ended).
 * @example syncStageChange({ deal: openInB, history: null, stageChangedAt: '2024-03-05T10:00:00.000Z' }, storedOpenStayInA, now)
 *   // { stage: 'B', at: '2024-03-05T10:00:00.000Z', oldStay: null }
 */
export function syncStageChange(synced: SyncedDeal, stored: StoredStage | undefined, now: string): SyncStageChange | null {
  const { deal } = synced
  if (synced.history !== null || stored === undefined) return null
  let oldStay: SyncStageChange['oldStay'] = null
  if (stored.openStay !== null) {
    if (stored.openStay === deal.stage) return null
  } else {
    if (stored.latest !== null || stored.outcome !== 'open' || stored.stage === deal.stage) return null
    oldStay = { stage: stored.stage, enteredAt: stored.stageEnteredDate ?? stored.createdDate }
  }
  const closed = deal.outcome !== 'open' ? deal.closedDate : null
  const floor = latestOf(stored.latest, oldStay?.enteredAt ?? null)
  // A date before what is stored (a legacy first-entry date of a stage the deal went back to) is passed over.
  const at = [closed, synced.stageChangedAt, synced.modifiedAt, deal.updatedDate, now].find(
    (d): d is string => d !== null && d !== undefined && (floor === null || d >= floor),
  )
  return { stage: deal.stage, at: at ?? (floor as string), oldStay }
}

/**
 * The deal to store for `synced` (`deal`, which may be it with the stage it was lost at kept, see
 * `keepStoredLostAt`): without a stage entry date of its own it takes the change's day, or, in
 * the stage stored, the stored one (the history that dated it is kept).
 */
export function withStageEntered(deal: NormalizedDeal, change: SyncStageChange | null, stored: StoredStage | undefined): NormalizedDeal {
  if (deal.stageEnteredDate !== null) return deal
  if (change !== null) return { ...deal, stageEnteredDate: change.at.slice(0, 10) }
  if (stored !== undefined && stored.stage === deal.stage && stored.stageEnteredDate !== null) {
    return { ...deal, stageEnteredDate: stored.stageEnteredDate }
  }
  return deal
}

function latestOf(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return a < b ? b : a
}

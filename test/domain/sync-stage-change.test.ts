import { describe, expect, it } from 'vitest'
import type { NormalizedDeal, SyncedDeal } from '../../src/domain/normalized-deal.js'
import { type StoredStage, syncStageChange, withStageEntered } from '../../src/domain/sync-stage-change.js'

const deal = (over: Partial<NormalizedDeal> = {}): NormalizedDeal => ({
  dealId: '1',
  source: 'hubspot',
  name: null,
  ownerId: 'o',
  ownerEmail: null,
  createdDate: '2024-01-02',
  closedDate: null,
  outcome: 'open',
  stage: 'B',
  stageEnteredDate: null,
  amount: 1,
  currency: null,
  industry: 'Unknown',
  region: 'Unknown',
  productType: 'Unknown',
  leadSource: 'Unknown',
  salesCycleDays: null,
  lastActivityDate: null,
  updatedDate: '2024-03-20',
  crmUrl: null,
  archived: false,
  extra: null,
  ...over,
})
const stored: StoredStage = {
  outcome: 'open',
  stage: 'A',
  stageEnteredDate: '2024-02-01',
  createdDate: '2024-01-02',
  openStay: 'A',
  latest: '2024-02-01T10:00:00.000Z',
}
const now = '2024-06-01T00:00:00.000Z'
const synced = (d: NormalizedDeal, extra: Partial<SyncedDeal> = {}): SyncedDeal => ({ deal: d, history: null, ...extra })

describe('syncStageChange', () => {
  it('changes nothing for a new deal, one with a history, or one still in its open stay', () => {
    expect(syncStageChange(synced(deal()), undefined, now)).toBeNull()
    expect(syncStageChange({ deal: deal(), history: [] }, stored, now)).toBeNull()
    expect(syncStageChange(synced(deal({ stage: 'A' })), stored, now)).toBeNull()
  })

  it('dates the change by the stage-entered date, else the modification time, else the day modified', () => {
    const moved = deal()
    expect(
      syncStageChange(synced(moved, { stageChangedAt: '2024-03-05T10:00:00.000Z', modifiedAt: '2024-03-20T09:00:00.000Z' }), stored, now),
    ).toEqual({
      stage: 'B',
      at: '2024-03-05T10:00:00.000Z',
      oldStay: null,
    })
    expect(syncStageChange(synced(moved, { stageChangedAt: null, modifiedAt: '2024-03-20T09:00:00.000Z' }), stored, now)?.at).toBe(
      '2024-03-20T09:00:00.000Z',
    )
    expect(syncStageChange(synced(moved), stored, now)?.at).toBe('2024-03-20')
  })

  it('passes over a date before the stored history, and falls back to its latest date when every one is', () => {
    const early = synced(deal({ updatedDate: '2024-01-15' }), {
      stageChangedAt: '2024-01-10T00:00:00.000Z',
      modifiedAt: '2024-01-15T00:00:00.000Z',
    })
    expect(syncStageChange(early, stored, now)?.at).toBe(now)
    expect(syncStageChange(early, stored, '2024-01-20')?.at).toBe(stored.latest)
  })

  it('closes a won or lost deal at its close date', () => {
    const won = deal({ outcome: 'won', stage: 'Closed Won', closedDate: '2024-04-15' })
    expect(syncStageChange(synced(won, { stageChangedAt: '2024-04-16T00:00:00.000Z' }), stored, now)).toEqual({
      stage: 'Closed Won',
      at: '2024-04-15',
      oldStay: null,
    })
  })

  it('without a stored history: adds the stored stage of an open deal, leaves a deal stored won or lost alone', () => {
    const bare = { ...stored, openStay: null, latest: null }
    expect(syncStageChange(synced(deal()), bare, now)).toEqual({
      stage: 'B',
      at: '2024-03-20',
      oldStay: { stage: 'A', enteredAt: '2024-02-01' },
    })
    expect(
      syncStageChange(synced(deal({ outcome: 'lost', stage: 'Closed Lost', closedDate: '2024-04-01' })), { ...bare, outcome: 'lost' }, now),
    ).toBeNull()
    // A history all closed (no open stay) is left as it is.
    expect(syncStageChange(synced(deal()), { ...stored, openStay: null }, now)).toBeNull()
  })

  it('gives the stored deal its stage entry date: the change day, or the stored one in the same stage', () => {
    const change = syncStageChange(synced(deal(), { stageChangedAt: '2024-03-05T10:00:00.000-07:00' }), stored, now)
    expect(withStageEntered(deal(), change, stored).stageEnteredDate).toBe('2024-03-05')
    expect(withStageEntered(deal({ stage: 'A' }), null, stored).stageEnteredDate).toBe('2024-02-01')
    expect(withStageEntered(deal({ stageEnteredDate: '2024-03-01' }), change, stored).stageEnteredDate).toBe('2024-03-01')
  })
})

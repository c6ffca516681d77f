import { expect } from 'vitest'
import type { Store } from '../../src/db/open-store.js'

/** Everything a sync writes that analysis reads, without run ids and timestamps of the run itself. */
export async function storeSnapshot(store: Store) {
  const deals = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
  const history = await store.db.selectFrom('stage_history').selectAll().orderBy('deal_id').orderBy('entered_at').orderBy('stage').execute()
  const owners = await store.db.selectFrom('owners').select(['owner_id', 'email', 'name', 'source']).orderBy('owner_id').execute()
  const stages = await store.db.selectFrom('stages').selectAll().orderBy('position').execute()
  return { deals: deals.map(({ import_run_id: _, ...d }) => d), history, owners, stages }
}

type Stay = { deal_id: string; stage: string; entered_at: string; left_at: string | null }

/**
 * Checks the stored stays against those expected in UTC: in UTC as written; in another
 * `timeZone`, as the same instants, each written on that zone's clock (its first ten characters,
 * which every report compares with days, being the day it was there).
 */
export function expectStaysIn(timeZone: string | undefined, stored: readonly Stay[], wantUtc: readonly Stay[]): void {
  if (timeZone === undefined || timeZone === 'UTC') {
    expect(stored).toEqual(wantUtc)
    return
  }
  const asInstants = (h: Stay) => ({
    ...h,
    entered_at: Date.parse(h.entered_at),
    left_at: h.left_at === null ? null : Date.parse(h.left_at),
  })
  expect(stored.map(asInstants)).toEqual(wantUtc.map(asInstants))
  for (const h of stored) expect(h.entered_at.slice(0, 10)).toBe(new Date(h.entered_at).toLocaleDateString('en-CA', { timeZone }))
}

/** How many stays start on another day in their written zone than in UTC (the zone made a difference). */
export function staysOffTheUtcDay(stays: readonly Stay[]): number {
  return stays.filter((h) => h.entered_at.slice(0, 10) !== new Date(h.entered_at).toISOString().slice(0, 10)).length
}

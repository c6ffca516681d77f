import { afterEach, expect, it } from 'vitest'
import { findSyncStatus } from '../../src/db/find-sync-status.js'
import type { Store } from '../../src/db/open-store.js'
import { type FixtureDeal, insertDeals } from '../analytics/deal-fixtures.js'
import { describeEachDialect } from '../helpers/each-dialect.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

const deal = (id: string, source: string, outcome: 'open' | 'won' | 'lost', archived = 0): FixtureDeal => ({
  deal_id: id,
  source,
  outcome,
  closed_date: outcome === 'open' ? null : '2024-03-01',
  archived,
})

describeEachDialect('pulse status: deals by source and outcome', (dialect) => {
  it('counts an empty store as nothing held', async () => {
    const store = await dialect.open()
    stores.push(store)
    expect((await findSyncStatus(store.db)).deals).toEqual({ total: 0, bySource: {}, open: 0, won: 0, lost: 0 })
  })

  it('counts every deal of each CRM, archived ones included, with the sources in ascending order', async () => {
    const store = await dialect.open()
    stores.push(store)
    await insertDeals(store, [
      deal('S1', 'salesforce', 'won'),
      deal('S2', 'salesforce', 'open', 1),
      deal('H1', 'hubspot', 'lost'),
      deal('H2', 'hubspot', 'lost', 1),
      deal('H3', 'hubspot', 'open'),
      deal('C1', 'csv', 'won'),
    ])
    const { deals } = await findSyncStatus(store.db)
    expect(deals).toEqual({ total: 6, bySource: { csv: 1, hubspot: 3, salesforce: 2 }, open: 2, won: 2, lost: 2 })
    expect(Object.keys(deals.bySource)).toEqual(['csv', 'hubspot', 'salesforce'])
  })

  it('leaves out a source without deals', async () => {
    const store = await dialect.open()
    stores.push(store)
    await insertDeals(store, [deal('H1', 'hubspot', 'won'), deal('H2', 'hubspot', 'lost', 1)])
    expect((await findSyncStatus(store.db)).deals).toEqual({ total: 2, bySource: { hubspot: 2 }, open: 0, won: 1, lost: 1 })
  })

  it('counts a source the app does not write (an older or hand-edited store) as stored, in its place in the order', async () => {
    const store = await dialect.open()
    stores.push(store)
    await insertDeals(store, [
      deal('S1', 'salesforce', 'won'),
      deal('P1', 'pipedrive', 'open'),
      deal('P2', 'pipedrive', 'lost', 1),
      deal('C1', 'csv', 'lost'),
    ])
    const { deals } = await findSyncStatus(store.db)
    expect(deals).toEqual({ total: 4, bySource: { csv: 1, pipedrive: 2, salesforce: 1 }, open: 1, won: 1, lost: 2 })
    expect(Object.keys(deals.bySource)).toEqual(['csv', 'pipedrive', 'salesforce'])
  })

  it('counts an outcome the app does not write (odd case in a hand-edited store) in the total and its source only, adding no count of its own', async () => {
    const store = await dialect.open()
    stores.push(store)
    await insertDeals(store, [
      deal('C1', 'csv', 'won'),
      { ...deal('C2', 'csv', 'won'), outcome: 'Won' as 'won' },
      { ...deal('H1', 'hubspot', 'lost'), outcome: 'LOST' as 'lost' },
      deal('H2', 'hubspot', 'open'),
    ])
    const { deals } = await findSyncStatus(store.db)
    expect(deals).toEqual({ total: 4, bySource: { csv: 2, hubspot: 2 }, open: 1, won: 1, lost: 0 })
  })
})

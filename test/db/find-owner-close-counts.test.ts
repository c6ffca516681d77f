import { expect, it } from 'vitest'
import { findOwnerCloseCounts } from '../../src/db/find-owner-close-counts.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, ownerClosesOf, syntheticDeals } from '../model/model-fixtures.js'

const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']
const byKey = (a: { owner_id: string; closed_date: string }, b: { owner_id: string; closed_date: string }) =>
  a.owner_id < b.owner_id ? -1 : a.owner_id > b.owner_id ? 1 : a.closed_date < b.closed_date ? -1 : 1

describeEachDialect('findOwnerCloseCounts', (dialect) => {
  it('with owner ids returns exactly those owners’ rows of the full track record, and nothing for none', async () => {
    const store = await dialect.open()
    const deals = syntheticDeals({ n: 400, seed: 5, signal: true })
    await importCsvFile(store, { path: writeTempFile('deals.csv', dealsCsv(deals)), map: new Map(), stages: STAGES, startedBy: null })
    const all = (await findOwnerCloseCounts(store.db)).sort(byKey)
    const owners = [...new Set(all.map((r) => r.owner_id))].sort()
    expect(owners.length).toBeGreaterThan(2)
    const picked = [owners[0] as string, owners[2] as string]
    const some = (await findOwnerCloseCounts(store.db, picked)).sort(byKey)
    expect(some.length).toBeGreaterThan(0)
    expect(some).toEqual(all.filter((r) => picked.includes(r.owner_id)))
    expect(await findOwnerCloseCounts(store.db, [])).toEqual([])
    await store.close()
  })

  it('counts every closed deal by owner and day, whatever characters the owner id holds', async () => {
    const store = await dialect.open()
    // An owner id with a quote, a comma and a backslash: the SQLite path reads it back out of JSON.
    const odd = `o'b,"x\\y`
    const deals = syntheticDeals({ n: 300, seed: 9, signal: true })
    await importCsvFile(store, { path: writeTempFile('deals.csv', dealsCsv(deals)), map: new Map(), stages: STAGES, startedBy: null })
    await store.db.updateTable('deals').set({ owner_id: odd }).where('owner_id', '=', 'rep_3').execute()
    const expected = ownerClosesOf(deals.map((d) => (d.owner_id === 'rep_3' ? { ...d, owner_id: odd } : d))).sort(byKey)
    expect(expected.some((r) => r.owner_id === odd)).toBe(true)
    expect((await findOwnerCloseCounts(store.db)).sort(byKey)).toEqual(expected)
    expect((await findOwnerCloseCounts(store.db, [odd])).sort(byKey)).toEqual(expected.filter((r) => r.owner_id === odd))
    await store.close()
  })
})

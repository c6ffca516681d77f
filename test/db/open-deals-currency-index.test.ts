import { afterEach, expect, it } from 'vitest'
import { findStalePipeline } from '../../src/db/find-stale-pipeline.js'
import type { Store } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { type FixtureDeal, insertDeals } from '../analytics/deal-fixtures.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { openTestStore } from '../helpers/test-store.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

const AS_OF = '2024-06-30'
/** A day after every date of {@link DEALS}: with the report summaries built, the stale queries need no stage history. */
const LATER = '2024-12-31'

/** Open deals in three currencies and none, one archived, one created after `AS_OF`, one idle since long before it. */
const DEALS: FixtureDeal[] = [
  { deal_id: 'EUR-1', currency: 'EUR', amount: 1_000, created_date: '2024-06-01', last_activity_date: '2024-06-20' },
  { deal_id: 'EUR-2', currency: 'EUR', amount: 2_000, created_date: '2024-01-01', last_activity_date: '2024-02-01' },
  { deal_id: 'NONE-1', currency: null, amount: 500, created_date: '2024-06-10' },
  { deal_id: 'GBP-archived', currency: 'GBP', amount: 9_000, created_date: '2024-06-01', archived: 1 },
  { deal_id: 'USD-later', currency: 'USD', amount: 7_000, created_date: '2024-07-15' },
  { deal_id: 'USD-won', currency: 'USD', amount: 3_000, created_date: '2024-01-01', closed_date: '2024-03-01', outcome: 'won' },
]

describeEachDialect('stale pipeline: currencies of the open deals', (dialect) => {
  it('counts the currencies of the open deals in scope only: not archived, created by the day, not closed', async () => {
    const store = await dialect.open()
    stores.push(store)
    await insertDeals(store, DEALS)
    const stale = await findStalePipeline(store.db, { asOf: AS_OF }, 30)
    expect(stale.openCount).toBe(3)
    expect(stale.openAmount).toBe(3_500)
    expect(new Set(stale.openCurrencies)).toEqual(new Set(['EUR', null]))
    expect(stale.staleCount).toBe(1)
    expect(stale.staleCurrencies).toEqual(['EUR'])
  })

  it('counts them the same read from the index alone, on a day after every date in the data', async () => {
    const store = await dialect.open()
    stores.push(store)
    await insertDeals(store, DEALS)
    await refreshAnalyticsRollup(store)
    const stale = await findStalePipeline(store.db, { asOf: LATER }, 30)
    expect(stale.standInOnAsOf).toBe(false)
    expect(stale.openCount).toBe(4)
    expect(stale.openAmount).toBe(10_500)
    expect(new Set(stale.openCurrencies)).toEqual(new Set(['EUR', 'USD', null]))
    expect(stale.staleCount).toBe(4)
  })
})

it("sums up the open deals from the open-deals index alone, currency included, without visiting the table's rows", async () => {
  const store = await openTestStore()
  stores.push(store)
  await insertDeals(store, DEALS)
  await refreshAnalyticsRollup(store)
  const sqlite = store.sqlite
  if (!sqlite) throw new Error('an in-memory SQLite store has its connection')
  // Every statement the store prepares is noted with its parameters, to be explained after.
  const seen: Array<{ sql: string; params: unknown[] }> = []
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((text: string) => {
    const statement = prepare(text)
    const all = statement.all.bind(statement)
    statement.all = ((...params: unknown[]) => {
      seen.push({ sql: text, params: params.flat() })
      return all(...params)
    }) as typeof statement.all
    return statement
  }) as typeof sqlite.prepare
  expect((await findStalePipeline(store.db, { asOf: LATER }, 30)).openCount).toBe(4)
  sqlite.prepare = prepare
  const summary = seen.find((s) => s.sql.includes('"openCount"'))
  if (!summary) throw new Error('no open-deals summary was read')
  const plan = sqlite
    .prepare(`EXPLAIN QUERY PLAN ${summary.sql}`)
    .all(...summary.params)
    .map((r) => (r as { detail: string }).detail)
  expect(summary.sql).toContain('currency')
  expect(plan).toEqual(['SCAN deals USING COVERING INDEX deals_open_amount_dates'])
})

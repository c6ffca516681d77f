import { expect, it } from 'vitest'
import { findOpenScoringDeals } from '../../src/db/find-open-scoring-deals.js'
import { daysIdle, daysInCurrentStage } from '../../src/domain/deal-derived.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { describeEachDialect, type TestDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, FIXTURE_AS_OF, syntheticDeals } from './model-fixtures.js'

const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']

async function storeWith(dialect: TestDialect, deals: ReturnType<typeof syntheticDeals>) {
  const store = await dialect.open()
  await importCsvFile(store, { path: writeTempFile('deals.csv', dealsCsv(deals)), map: new Map(), stages: STAGES, startedBy: null })
  return store
}

describeEachDialect('findOpenScoringDeals (on SQLite: JSON chunks from a table scan)', (dialect) => {
  it('returns exactly what a plain select returns: open, non-archived deals, nulls and fractional amounts intact', async () => {
    const deals = syntheticDeals({ n: 600, seed: 11, signal: true }).map((d, i) => ({
      ...d,
      amount: i % 7 === 0 ? d.amount + 0.123456789 : d.amount,
      last_activity_date: i % 5 === 0 ? null : d.last_activity_date,
    }))
    const store = await storeWith(dialect, deals)
    const open = deals.filter((d) => d.outcome === 'open')
    await store.db
      .updateTable('deals')
      .set({ archived: 1 })
      .where('deal_id', '=', open[0]?.deal_id ?? '')
      .execute()
    // Reasons write amounts in the deal's currency: some state one, the others none.
    await store.db
      .updateTable('deals')
      .set({ currency: 'EUR' })
      .where(
        'deal_id',
        'in',
        open.slice(1, 4).map((d) => d.deal_id),
      )
      .execute()
    const expected = await store.db
      .selectFrom('deals')
      .select([
        'deal_id',
        'owner_id',
        'created_date',
        'closed_date',
        'outcome',
        'stage',
        'stage_entered_date',
        'lost_at_stage',
        'amount',
        'amount_band',
        'industry',
        'region',
        'product_type',
        'lead_source',
        'last_activity_date',
        'updated_date',
        'currency',
      ])
      .where('archived', '=', 0)
      .where('outcome', '=', 'open')
      .orderBy('deal_id')
      .execute()
    const got = (await findOpenScoringDeals(store.db)).sort((a, b) => (a.deal_id < b.deal_id ? -1 : 1))
    expect(got).toHaveLength(open.length - 1)
    expect(got).toEqual(expected)
    expect(got.some((d) => !Number.isInteger(d.amount))).toBe(true)
    expect(got.some((d) => d.last_activity_date === null)).toBe(true)
    expect(got.filter((d) => d.currency === 'EUR')).toHaveLength(3)
    await store.close()
  })
})

describeEachDialect('scoreOpenDeals', (dialect) => {
  it('stores each deal reasons as JSON.stringify would and counts days with the domain functions', async () => {
    const deals = syntheticDeals({ n: 1500, seed: 12, signal: true })
    const store = await storeWith(dialect, deals)
    await retrainModel(store, { asOf: FIXTURE_AS_OF, staleDays: 30 })
    const report = await scoreOpenDeals(store, { asOf: FIXTURE_AS_OF, idleDays: 14 })
    const byId = new Map((await findOpenScoringDeals(store.db)).map((d) => [d.deal_id, d]))
    expect(report.deals.length).toBe(byId.size)
    expect(byId.size).toBeGreaterThan(0)
    for (const s of report.deals) {
      const deal = byId.get(s.dealId)
      if (!deal) throw new Error(`scored an unknown deal ${s.dealId}`)
      expect(s.daysIdle).toBe(daysIdle(deal, FIXTURE_AS_OF))
      // A stage entered after "as of" (the fixture dates some so) has no days in stage on that day.
      const entered = deal.stage_entered_date ?? deal.created_date
      expect(s.daysInStage).toBe(entered > FIXTURE_AS_OF ? null : daysInCurrentStage(deal, FIXTURE_AS_OF))
    }
    const rows = await store.db.selectFrom('deal_scores').select(['deal_id', 'reasons']).where('model_id', '=', report.modelId).execute()
    const stored = new Map(rows.map((r) => [r.deal_id, r.reasons]))
    expect(stored.size).toBe(report.deals.length)
    for (const s of report.deals) expect(stored.get(s.dealId)).toBe(JSON.stringify(s.reasons))
    await store.close()
  })
})

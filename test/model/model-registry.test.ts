import { expect, it } from 'vitest'
import { findCurrentModel } from '../../src/db/find-current-model.js'
import { insertModel } from '../../src/db/insert-model.js'
import { addDays } from '../../src/domain/dates.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { OwnerWinHistory } from '../../src/model/owner-win-history.js'
import { type SerializedWinModel, WinRateDriverEngine } from '../../src/model/win-rate-driver-engine.js'
import { explainDeal } from '../../src/services/explain-deal.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { describeEachDialect, type TestDialect } from '../helpers/each-dialect.js'
import { placeholderModel } from '../helpers/placeholder-model.js'
import { writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, FIXTURE_AS_OF, ownerClosesOf, syntheticDeals } from './model-fixtures.js'

const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']

async function storeWith(dialect: TestDialect, deals: ReturnType<typeof syntheticDeals>) {
  const store = await dialect.open()
  await importCsvFile(store, { path: writeTempFile('deals.csv', dealsCsv(deals)), map: new Map(), stages: STAGES, startedBy: null })
  return store
}

describeEachDialect('model registry', (dialect) => {
  it('stores a trained model and loads it back with identical predictions (ml-cart toJSON / load)', async () => {
    const deals = syntheticDeals({ n: 2500, seed: 7, signal: true })
    const store = await storeWith(dialect, deals)
    const result = await retrainModel(store, { asOf: FIXTURE_AS_OF, staleDays: 30, now: new Date('2024-07-21T06:00:00Z') })
    expect(result).toMatchObject({ modelId: 1, trainedAt: '2024-07-21T06:00:00.000Z', informative: true })
    const row = await findCurrentModel(store.db)
    expect(row).toMatchObject({
      model_id: 1,
      informative: 1,
      n_train: result.nTrain,
      n_test: result.nTest,
      test_from: result.split.testFrom,
    })
    expect(JSON.parse(row?.metrics ?? '{}')).toMatchObject({ auc: result.auc, aucLow: result.aucLow, brier: result.brier })
    const loaded = WinRateDriverEngine.fromSerialized(JSON.parse(row?.model ?? '{}') as SerializedWinModel)
    const fresh = WinRateDriverEngine.train({ deals, ownerCloses: ownerClosesOf(deals), asOf: FIXTURE_AS_OF, staleDays: 30 })
    const owners = new OwnerWinHistory(ownerClosesOf(deals))
    for (const d of deals.filter((x) => x.outcome === 'open')) expect(loaded.predict(d, owners)).toEqual(fresh.predict(d, owners))
    await store.close()
  })

  it('makes the latest trained model current, so a model that failed the newest test is never overruled by an older one', async () => {
    const store = await dialect.open()
    const base = placeholderModel({
      trained_at: '2024-07-01T00:00:00Z',
      as_of: '2024-07-01',
      train_to: '2024-05-01',
      test_from: '2024-05-02',
      test_to: '2024-07-01',
    })
    expect(await findCurrentModel(store.db)).toBeUndefined()
    const first = await insertModel(store.db, { ...base, informative: 0 })
    expect((await findCurrentModel(store.db))?.model_id).toBe(first)
    const good = await insertModel(store.db, { ...base, informative: 1 })
    expect((await findCurrentModel(store.db))?.model_id).toBe(good)
    const failed = await insertModel(store.db, { ...base, informative: 0 })
    expect((await findCurrentModel(store.db))?.model_id).toBe(failed)
    expect((await findCurrentModel(store.db, good))?.model_id).toBe(good)
    await store.close()
  })

  it('scores every open deal with reasons, stores the scores, and replaces them on rescoring', async () => {
    const deals = syntheticDeals({ n: 2500, seed: 8, signal: true })
    const store = await storeWith(dialect, deals)
    await retrainModel(store, { asOf: FIXTURE_AS_OF, staleDays: 30 })
    const report = await scoreOpenDeals(store, { asOf: FIXTURE_AS_OF, idleDays: 14 })
    const open = deals.filter((d) => d.outcome === 'open')
    expect(report.deals).toHaveLength(open.length)
    expect(report.deals.every((d) => d.reasons.length > 0)).toBe(true)
    const health = report.deals.map((d) => d.healthScore)
    expect(health).toEqual([...health].sort((a, b) => a - b))
    await scoreOpenDeals(store, { asOf: FIXTURE_AS_OF, idleDays: 14 })
    const stored = await store.db
      .selectFrom('deal_scores')
      .selectAll()
      .where('model_id', '=', report.modelId)
      .orderBy('health_score')
      .orderBy('deal_id')
      .execute()
    expect(stored).toHaveLength(open.length)
    expect(JSON.parse(stored[0]?.reasons ?? '[]')).toEqual(report.deals[0]?.reasons)

    const one = report.deals[5]
    const explained = await explainDeal(store, one?.dealId ?? '', { asOf: FIXTURE_AS_OF, idleDays: 14 })
    expect(explained).toMatchObject({
      dealId: one?.dealId,
      winProbability: one?.winProbability,
      healthScore: one?.healthScore,
      reasons: one?.reasons,
    })
    const closed = deals.find((d) => d.outcome === 'won')
    expect(await explainDeal(store, closed?.deal_id ?? '', { asOf: FIXTURE_AS_OF, idleDays: 14 })).toMatchObject({
      winProbability: null,
      healthScore: null,
      reasons: [`Closed won on ${closed?.closed_date}: only open deals are scored`],
    })
    // As of a day it was still open: it has closed since, and the deal as it was then is not kept.
    const before = closed?.created_date ?? ''
    expect((await explainDeal(store, closed?.deal_id ?? '', { asOf: before, idleDays: 14 })).reasons).toEqual([
      `Closed won on ${closed?.closed_date}, after ${before}: only deals open now are scored (the deal as it was on ${before} is not kept)`,
    ])
    await expect(explainDeal(store, 'nope', { asOf: FIXTURE_AS_OF, idleDays: 14 })).rejects.toThrow(/No deal with id "nope"/)
    // A deal a sync found archived in the CRM is still in the store: say so rather than "check the id".
    await store.db
      .updateTable('deals')
      .set({ archived: 1 })
      .where('deal_id', '=', one?.dealId ?? '')
      .execute()
    await expect(explainDeal(store, one?.dealId ?? '', { asOf: FIXTURE_AS_OF, idleDays: 14 })).rejects.toThrow(
      new RegExp(`^Deal "${one?.dealId}" was archived or deleted in the CRM \\(a sync found it removed\\), so it is no longer scored`),
    )
    await store.close()
  })

  it('refusing to train as of a day with too few closes, counts the closes the store holds after it, archived ones aside', async () => {
    const deals = syntheticDeals({ n: 600, seed: 9, signal: true })
    const store = await storeWith(dialect, deals)
    const closed = deals.filter((d) => d.outcome !== 'open' && d.closed_date !== null).sort((a, b) => cmpClose(a, b))
    const asOf = closed[30]?.closed_date as string
    const before = closed.filter((d) => (d.closed_date as string) <= asOf).length
    const lastDeal = closed[closed.length - 1]
    // The last close is archived in the CRM: neither counted nor named.
    await store.db
      .updateTable('deals')
      .set({ archived: 1 })
      .where('deal_id', '=', lastDeal?.deal_id ?? '')
      .execute()
    const later = closed.slice(before, -1)
    const last = later[later.length - 1]?.closed_date as string
    await expect(retrainModel(store, { asOf, staleDays: 30 })).rejects.toThrow(
      `The store holds ${later.length} more deals closed after ${asOf} (the last on ${last}): train as of a later day, such as ${last}, to include them.`,
    )
    expect(before).toBeLessThan(100)
    await store.close()
  })

  it('scores a look back with a model that read no deal closed after that day, and says so when none did', async () => {
    const deals = syntheticDeals({ n: 2500, seed: 8, signal: true })
    const store = await storeWith(dialect, deals)
    const back = addDays(FIXTURE_AS_OF, -45)
    const older = await retrainModel(store, { asOf: back, staleDays: 30 })
    const latest = await retrainModel(store, { asOf: FIXTURE_AS_OF, staleDays: 30 })
    expect(latest.currentModelId).toBe(latest.modelId)
    expect(deals.some((d) => d.closed_date !== null && d.closed_date > back)).toBe(true)
    // The latest model learned from deals closed after `back`: a score as of `back` uses the model of that day.
    expect((await scoreOpenDeals(store, { asOf: back, idleDays: 14, save: false })).modelId).toBe(older.modelId)
    expect((await scoreOpenDeals(store, { asOf: addDays(back, 20), idleDays: 14, save: false })).modelId).toBe(older.modelId)
    expect((await scoreOpenDeals(store, { asOf: FIXTURE_AS_OF, idleDays: 14, save: false })).modelId).toBe(latest.modelId)
    // Nothing has closed after FIXTURE_AS_OF, so a later day still uses the latest model.
    expect((await scoreOpenDeals(store, { asOf: addDays(FIXTURE_AS_OF, 10), idleDays: 14, save: false })).modelId).toBe(latest.modelId)
    const openThen = deals.find((d) => d.outcome === 'open' && d.created_date <= back)
    expect((await explainDeal(store, openThen?.deal_id ?? '', { asOf: back, idleDays: 14 })).modelId).toBe(older.modelId)
    const earlier = addDays(back, -60)
    // Before either model's data ends: the current model scores, and the report says it learned from later outcomes.
    const before = await scoreOpenDeals(store, { asOf: earlier, idleDays: 14, save: false })
    expect(before.modelId).toBe(latest.modelId)
    expect(before.modelNote).toBe(
      `Model ${latest.modelId} (trained as of ${FIXTURE_AS_OF}) learned from deals closed after ${earlier}, so these scores know outcomes that were not known on that day; run \`pulse train --as-of ${earlier}\` to score that day with what was known then.`,
    )
    expect((await scoreOpenDeals(store, { asOf: back, idleDays: 14, save: false })).modelNote).toBeUndefined()
    // So does one deal's score: as of the day `openThen` was created, deals closed before `back` were not known yet.
    const created = openThen?.created_date ?? ''
    expect(deals.some((d) => d.closed_date !== null && d.closed_date > created && d.closed_date <= back)).toBe(true)
    expect((await explainDeal(store, openThen?.deal_id ?? '', { asOf: created, idleDays: 14 })).modelNote).toMatch(
      new RegExp(`^Model ${latest.modelId} \\(trained as of ${FIXTURE_AS_OF}\\) learned from deals closed after ${created}`),
    )
    await store.close()
  })

  it('keeps the scores of the two newest models only, however often the model is retrained', async () => {
    const deals = syntheticDeals({ n: 1500, seed: 9, signal: true })
    const store = await storeWith(dialect, deals)
    const open = deals.filter((d) => d.outcome === 'open').length
    const ids: number[] = []
    for (let i = 0; i < 3; i++) {
      ids.push((await retrainModel(store, { asOf: FIXTURE_AS_OF, staleDays: 30 })).modelId)
      await scoreOpenDeals(store, { asOf: FIXTURE_AS_OF, idleDays: 14 })
    }
    const counts = async () =>
      Object.fromEntries(
        (
          await store.db
            .selectFrom('deal_scores')
            .select(['model_id', (eb) => eb.fn.countAll<number>().as('n')])
            .groupBy('model_id')
            .orderBy('model_id')
            .execute()
        ).map((r) => [r.model_id, Number(r.n)]),
      )
    expect(await counts()).toEqual({ [ids[1] as number]: open, [ids[2] as number]: open })
    // Rescoring under the current model keeps its own scores and the previous model's.
    await scoreOpenDeals(store, { asOf: FIXTURE_AS_OF, idleDays: 14 })
    expect(await counts()).toEqual({ [ids[1] as number]: open, [ids[2] as number]: open })
    await store.close()
  })
})

function cmpClose(a: { closed_date: string | null; deal_id: string }, b: { closed_date: string | null; deal_id: string }): number {
  const [x, y] = [a.closed_date as string, b.closed_date as string]
  return x < y ? -1 : x > y ? 1 : a.deal_id < b.deal_id ? -1 : 1
}

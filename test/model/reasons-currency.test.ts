import { afterEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { addDays } from '../../src/domain/dates.js'
import { seededRandom } from '../../src/domain/seeded-random.js'
import { explainDeal } from '../../src/services/explain-deal.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { CURRENCY_TEST_HEADER, storeWithCurrencies } from '../helpers/currency-store.js'
import { FIXTURE_AS_OF } from './model-fixtures.js'

const HEADER = CURRENCY_TEST_HEADER

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

/**
 * 1,500 deals over 600 days before the fixture's as-of. With `signal`, deals of 50k or more win 65%
 * and smaller ones 15% (so the tree asks the amount), all in EMEA; without it every deal wins 30%. Each deal's
 * currency is `currencyOf(i)`.
 */
function dealLines(signal: boolean, currencyOf: (i: number) => string | undefined) {
  const random = seededRandom(7)
  const lines: Array<{ line: string; currency: string | undefined }> = []
  for (let i = 0; i < 1500; i++) {
    const amount = Math.round(2000 + random() * 150_000)
    const p = signal ? (amount >= 50_000 ? 0.65 : 0.15) : 0.3
    const won = random() < p
    const created = addDays(FIXTURE_AS_OF, -600 + Math.floor(random() * 600))
    const closed = addDays(created, 10 + Math.floor(random() * 80))
    const open = closed > FIXTURE_AS_OF
    const region = 'EMEA'
    const outcome = open ? 'Open' : won ? 'Won' : 'Lost'
    const activity = open ? addDays(FIXTURE_AS_OF, -Math.floor(random() * 20)) : addDays(closed, -1)
    lines.push({
      line: `C${String(i).padStart(5, '0')},${created},${open ? '' : closed},rep_${i % 7},SaaS,${region},Core,Inbound,Demo,${amount},${outcome},${activity}`,
      currency: currencyOf(i),
    })
  }
  return lines
}

// The reasons of every open deal of a store of `dealLines(signal, currencyOf)`, after training.
async function reasonsOf(signal: boolean, currencyOf: (i: number) => string | undefined, withCurrency = true) {
  await store?.close()
  store = await storeWithCurrencies(HEADER, dealLines(signal, currencyOf), withCurrency)
  const trained = await retrainModel(store, { asOf: FIXTURE_AS_OF, staleDays: 30 })
  expect(trained.informative).toBe(signal)
  const report = await scoreOpenDeals(store, { asOf: FIXTURE_AS_OF, idleDays: 14 })
  return { report, trained, reasons: report.deals.map((d) => d.reasons.join(' | ')) }
}

// A reason's amount band or bin: "50k-100k", "under 10k", "100k+", in whatever currency.
const AMOUNT_WORDS = /(\d+(\.\d+)?k-\d+(\.\d+)?k|under \$?\d+(\.\d+)?k|\d+(\.\d+)?k( [A-Z]{3})?\+)/

describe('health score reasons in the deals’ currencies', () => {
  it('writes the amount bands of a store mixing EUR, GBP and USD as bare figures, saying they are each deal’s own currency', async () => {
    const { reasons, trained } = await reasonsOf(true, (i) => ['EUR', 'gbp', 'USD'][i % 3])
    const withAmounts = reasons.filter((r) => AMOUNT_WORDS.test(r))
    expect(withAmounts.length).toBeGreaterThan(0)
    for (const r of reasons) expect(r).not.toContain('$')
    for (const r of withAmounts)
      expect(r).toContain("(amounts in each deal's own currency, not converted: EUR, GBP, USD): similar deals won")
    // The training's own paths (pulse train) read the same way.
    const paths = trained.drivers.paths.map((p) => p.description).join('\n')
    expect(paths).toMatch(AMOUNT_WORDS)
    expect(paths).not.toContain('$')
    // pulse deal gives the same reasons as pulse score.
    const scored = (await scoreOpenDeals(store as Store, { asOf: FIXTURE_AS_OF, idleDays: 14, save: false })).deals[0]
    const deal = await explainDeal(store as Store, scored?.dealId as string, { asOf: FIXTURE_AS_OF, idleDays: 14 })
    expect(deal.reasons).toEqual(scored?.reasons)
  })

  it('writes the amount bands of a store of one currency other than USD in that currency', async () => {
    const { reasons } = await reasonsOf(true, () => 'eur')
    const withAmounts = reasons.filter((r) => AMOUNT_WORDS.test(r))
    expect(withAmounts.length).toBeGreaterThan(0)
    for (const r of reasons) expect(r).not.toMatch(/\$|own currency/)
    for (const r of withAmounts) expect(r).toMatch(/\d+(\.\d+)?k EUR\+?\b/)
  })

  it('keeps dollars for a store with no currency column, or one stating USD', async () => {
    for (const withCurrency of [false, true]) {
      const { reasons } = await reasonsOf(true, () => 'USD', withCurrency)
      const withAmounts = reasons.filter((r) => AMOUNT_WORDS.test(r))
      expect(withAmounts.length).toBeGreaterThan(0)
      for (const r of withAmounts) expect(r).toMatch(/\$\d/)
      for (const r of reasons) expect(r).not.toMatch(/USD|own currency/)
    }
  })

  it('marks a euro deal scored by a model of deals stating no currency as compared by the number', async () => {
    // The one open deal of index 1,499 is in EUR (it is open: created near the as-of date).
    const lines = dealLines(true, () => undefined)
    const lastOpen = lines.map((l) => l.line).findLastIndex((l) => l.includes(',Open,'))
    const { report } = await reasonsOf(true, (i) => (i === lastOpen ? 'EUR' : undefined))
    const euro = report.deals.find((d) => d.dealId === `C${String(lastOpen).padStart(5, '0')}`)
    const first = euro?.reasons[0] as string
    expect(first).toMatch(AMOUNT_WORDS)
    expect(first).not.toContain('$')
    expect(first).toContain("(amounts in each deal's own currency, not converted: EUR, none stated)")
    // The other deals are compared with deals in dollars only.
    const others = report.deals.filter((d) => d !== euro).map((d) => d.reasons[0] as string)
    expect(others.some((r) => /\$\d/.test(r))).toBe(true)
    for (const r of others) expect(r).not.toContain('own currency')
  })

  it('writes the segment shown by a model that is not informative in the deals’ currency', async () => {
    const { reasons } = await reasonsOf(false, () => 'GBP')
    const segments = reasons.filter((r) => /^Not a prediction/.test(r)).map((r) => r.split(' | ')[1] as string)
    expect(segments.length).toBe(reasons.length)
    expect(segments.some((s) => /^(EMEA|APAC), (\d+k-\d+k|under 10k|100k) GBP\+?: similar deals won/.test(s))).toBe(true)
    for (const r of reasons) expect(r).not.toContain('$')
    const mixed = await reasonsOf(false, (i) => (i % 2 === 0 ? 'GBP' : 'EUR'))
    const mixedSegments = mixed.reasons.map((r) => r.split(' | ')[1] as string).filter((s) => AMOUNT_WORDS.test(s))
    expect(mixedSegments.length).toBeGreaterThan(0)
    for (const s of mixedSegments)
      expect(s).toMatch(/, [^$]+ \(amounts in each deal's own currency, not converted: EUR, GBP\): similar deals won/)
  })

  it('reads the store’s closed deals’ currencies for a model stored before models named theirs', async () => {
    await reasonsOf(true, () => 'EUR')
    const db = (store as Store).db
    const row = await db.selectFrom('models').select(['model_id', 'model']).executeTakeFirstOrThrow()
    const { currencies: _dropped, ...older } = JSON.parse(row.model) as { currencies?: unknown }
    await db
      .updateTable('models')
      .set({ model: JSON.stringify(older) })
      .where('model_id', '=', row.model_id)
      .execute()
    const reasons = (await scoreOpenDeals(store as Store, { asOf: FIXTURE_AS_OF, idleDays: 14, save: false })).deals.map(
      (d) => d.reasons[0],
    )
    const withAmounts = reasons.filter((r) => AMOUNT_WORDS.test(r as string))
    expect(withAmounts.length).toBeGreaterThan(0)
    for (const r of withAmounts) expect(r).toMatch(/ EUR\b/)
    for (const r of reasons) expect(r).not.toContain('$')
  })
})

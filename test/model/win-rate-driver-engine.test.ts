import { describe, expect, it } from 'vitest'
import type { ModelDeal } from '../../src/db/model-deal.js'
import { addDays } from '../../src/domain/dates.js'
import { seededRandom } from '../../src/domain/seeded-random.js'
import { AppError } from '../../src/errors.js'
import { OwnerWinHistory } from '../../src/model/owner-win-history.js'
import { notInformativeReason, scoreDeals } from '../../src/model/score-deals.js'
import {
  evaluationVerdict,
  type ModelEvaluation,
  type SerializedWinModel,
  WinRateDriverEngine,
} from '../../src/model/win-rate-driver-engine.js'
import { FIXTURE_AS_OF, ownerClosesOf, syntheticDeals } from './model-fixtures.js'

function train(deals: ModelDeal[]) {
  return WinRateDriverEngine.train({ deals, ownerCloses: ownerClosesOf(deals), asOf: FIXTURE_AS_OF, staleDays: 30 })
}

/**
 * A closed deal that went quiet `days` before its close: its last activity and update then, and
 * (so that the quiet spell is its own, not one from before it existed) created before that.
 */
function wentQuiet(d: ModelDeal, days: number): void {
  const quietFrom = addDays(d.closed_date as string, -days)
  d.last_activity_date = quietFrom
  d.updated_date = quietFrom
  if (d.created_date > quietFrom) d.created_date = addDays(quietFrom, -30)
}

const context = (deals: ModelDeal[]) => ({
  asOf: FIXTURE_AS_OF,
  idleDays: 14,
  stageNorms: new Map(),
  owners: new OwnerWinHistory(ownerClosesOf(deals)),
})

describe('WinRateDriverEngine', () => {
  const planted = syntheticDeals({ n: 4000, seed: 1, signal: true })
  const engine = train(planted)

  it('finds a planted driver, says it is informative, and explains every open deal from its tree path', () => {
    const e = engine.evaluation
    expect(e.informative).toBe(true)
    expect(e.aucLow).toBeGreaterThan(0.5)
    expect(e.brier).toBeLessThan(e.baselineBrier)
    expect(engine.drivers().importance[0]?.feature).toBe('lead_source')
    const scores = scoreDeals(engine, planted, context(planted))
    expect(scores.length).toBe(planted.filter((d) => d.outcome === 'open').length)
    for (const s of scores) {
      expect(s.basis).toBe('model')
      expect(s.reasons.length).toBeGreaterThan(0)
      expect(s.reasons[0]).toMatch(/: similar deals won \d+% \(n=[\d,]+\)$/)
      expect(s.healthScore).toBeGreaterThanOrEqual(0)
      expect(s.healthScore).toBeLessThanOrEqual(100)
    }
    const referral = scores.find((s) => planted.find((d) => d.deal_id === s.dealId)?.lead_source === 'Referral')
    const outbound = scores.find((s) => planted.find((d) => d.deal_id === s.dealId)?.lead_source === 'Outbound')
    expect(referral?.winProbability).toBeGreaterThan(outbound?.winProbability ?? 1)
  })

  it('tests on the newest closed deals after training on older ones, leaving stale deals out', () => {
    const deals = syntheticDeals({ n: 1500, seed: 4, signal: true })
    // 100 closed deals went quiet 60 days before their close: stale, never trained on.
    let staled = 0
    for (const d of deals) {
      if (d.outcome !== 'open' && d.closed_date && staled < 100) {
        wentQuiet(d, 60)
        staled++
      }
    }
    const e = train(deals).evaluation
    const closed = deals.filter((d) => d.outcome !== 'open').length
    expect(e.nTrain + e.nTest).toBe(closed - 100)
    expect(e.split.trainTo < e.split.testFrom).toBe(true)
    expect(e.nTest / (e.nTrain + e.nTest)).toBeCloseTo(0.2, 1)
  })

  it('is not informative on deals without signal, and then shows segment base rates and says why', () => {
    const flat = syntheticDeals({ n: 3000, seed: 2, signal: false })
    const model = train(flat)
    expect(model.informative).toBe(false)
    expect(model.evaluation.verdict).toMatch(/does not beat the base rate/)
    const scores = scoreDeals(model, flat, context(flat))
    for (const s of scores) {
      expect(s.basis).toBe('segment')
      expect(s.reasons[0]).toMatch(/^Not a prediction: the model did not beat the base rate/)
      expect(s.reasons[1]).toMatch(/similar deals won \d+% \(n=[\d,]+\)$/)
    }
  })

  it('ignores fields only known at close: shuffling them changes nothing (leakage guard)', () => {
    const deals = syntheticDeals({ n: 2500, seed: 3, signal: true })
    const random = seededRandom(9)
    const shuffled = deals.map((d) => ({ ...d }))
    const closed = shuffled.filter((d) => d.outcome !== 'open')
    for (const field of ['stage', 'lost_at_stage', 'sales_cycle_days', 'stage_entered_date'] as const) {
      const values = closed.map((d) => d[field])
      for (let i = values.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        ;[values[i], values[j]] = [values[j] as never, values[i] as never]
      }
      closed.forEach((d, i) => {
        ;(d as Record<string, unknown>)[field] = values[i]
      })
    }
    expect(closed.some((d, i) => d.stage !== deals.filter((x) => x.outcome !== 'open')[i]?.stage)).toBe(true)
    expect(train(shuffled).serialize()).toEqual(train(deals).serialize())
    // The guard can see a change: shuffling a field the model does use changes the model.
    const leads = closed.map((d) => d.lead_source).reverse()
    const relabelled = shuffled.map((d) => ({ ...d }))
    relabelled
      .filter((d) => d.outcome !== 'open')
      .forEach((d, i) => {
        d.lead_source = leads[i] as string
      })
    expect(train(relabelled).serialize()).not.toEqual(train(deals).serialize())
  })

  it('does not present a near-perfect test as predictions: an input filled in at close is named as the likely leak', () => {
    // A CRM that zeroes the amount of lost deals (and keeps won ones): amount, an input, now encodes the outcome.
    const deals = syntheticDeals({ n: 1500, seed: 7, signal: false })
    for (const d of deals) if (d.outcome === 'lost') d.amount = 0
    const model = train(deals)
    expect(model.evaluation.auc).toBeGreaterThan(0.95)
    expect(model.informative).toBe(false)
    // The amount, or the region x amount band read from it.
    expect(['amount', 'region_amount_band']).toContain(model.evaluation.leakSuspect?.feature)
    expect(model.evaluation.leakSuspect?.auc).toBeGreaterThan(0.95)
    expect(model.evaluation.verdict).toMatch(/almost perfectly .*amount\)? alone ranks them .*filled in or changed when deals close/)
    const scores = scoreDeals(model, deals, context(deals))
    expect(scores.length).toBeGreaterThan(0)
    for (const s of scores) {
      expect(s.basis).toBe('segment')
      expect(s.reasons[0]).toMatch(
        /^Not a prediction: the model's test on the newest closed deals was too good to be true \(AUC 0\.9\d; .*amount/,
      )
      // The suspect amount does not pick the segment either: the region's own rate is shown.
      expect(s.reasons[1]).toMatch(/^(North America|EMEA|APAC|LATAM): similar deals won \d+% \(n=[\d,]+\)$/)
    }
    // An honest signal keeps its probabilities.
    expect(engine.evaluation.leakSuspect).toBeNull()
  })

  it('names the leak when the amount alone separates the test deals although its bins blunt the model below the suspicious AUC', () => {
    // Lost deals at 0, won deals from $1k up: the first amount bin holds the zeros and the smallest won deals.
    const deals = syntheticDeals({ n: 3000, seed: 11, signal: false })
    const random = seededRandom(11)
    for (const d of deals) d.amount = d.outcome === 'lost' ? 0 : Math.round(1000 * 300 ** random())
    const model = train(deals)
    expect(model.evaluation.auc).toBeLessThan(0.95)
    expect(model.evaluation.leakSuspect).toEqual({ feature: 'amount', auc: 1 })
    expect(model.informative).toBe(false)
    expect(model.evaluation.verdict).toMatch(/^The amount alone separates the newest \d+ closed deals almost perfectly \(AUC 1\.00\)/)
    const [first] = scoreDeals(model, deals, context(deals))
    expect(first?.basis).toBe('segment')
    // The model's own test was not too good to be true (AUC under 0.95): the reason blames the amount, not the test.
    expect(first?.reasons[0]).toMatch(
      /^Not a prediction: the amount alone separates the newest closed deals almost perfectly \(AUC 1\.00; the model's \d\.\d\d\), so that field is probably filled in at close; this is the win rate of similar past deals$/,
    )
  })

  it('does not give a zero-width AUC interval when the test deals are all lost: the ranking was not tested', () => {
    const deals = syntheticDeals({ n: 600, seed: 8, signal: true })
    const closed = deals
      .filter((d) => d.outcome !== 'open')
      .sort((a, b) => ((a.closed_date as string) < (b.closed_date as string) ? -1 : 1))
    for (const d of closed.slice(Math.floor(closed.length * 0.7))) {
      if (d.outcome === 'won') {
        d.outcome = 'lost'
        d.lost_at_stage = 'Demo'
        d.stage = 'Demo'
      }
    }
    const model = train(deals)
    const e = model.evaluation
    expect(e.testWinRate).toBe(0)
    expect(e.informative).toBe(false)
    expect([e.aucLow, e.aucHigh]).toEqual([0, 1])
    expect(e.verdict).toMatch(/^The newest \d+ closed deals were all lost, so the model's ranking could not be tested/)
    const [first] = scoreDeals(model, deals, context(deals))
    expect(first?.reasons[0]).toMatch(/^Not a prediction: the newest \d+ closed deals were all lost, so the model could not be tested/)
  })

  it('says which test a model that is not informative failed, never contradicting its own numbers', () => {
    const base = { nTest: 24, baseRate: 0.35, testWinRate: 0.25, leakSuspect: null, informative: false }
    // 130-deal sample: the Brier score beats the base rate's, the AUC interval reaches below 0.5.
    const wideAuc = evaluationVerdict({ ...base, auc: 0.648, aucLow: 0.411, aucHigh: 0.87, brier: 0.1843, baselineBrier: 0.198 })
    expect(wideAuc).toMatch(/its probabilities score better than the base rate's, but its ranking is not shown to beat chance/)
    expect(wideAuc).not.toMatch(/probabilities score no better/)
    const badBrier = evaluationVerdict({ ...base, auc: 0.58, aucLow: 0.53, aucHigh: 0.63, brier: 0.201, baselineBrier: 0.199 })
    expect(badBrier).toMatch(/it ranks them better than chance, but its probabilities score worse than always predicting the base rate/)
    const both = evaluationVerdict({ ...base, auc: 0.5, aucLow: 0.47, aucHigh: 0.53, brier: 0.22, baselineBrier: 0.2 })
    expect(both).toMatch(
      /does not beat the base rate on the newest 24 closed deals: it ranks them no better than chance and its probabilities score no better/,
    )
    // Counts read as everywhere else in the output, with thousands separators.
    expect(evaluationVerdict({ ...base, nTest: 1085, auc: 0.5, aucLow: 0.47, aucHigh: 0.53, brier: 0.22, baselineBrier: 0.2 })).toContain(
      'on the newest 1,085 closed deals',
    )
    // The first reason of each score names the failed test with its numbers too.
    const reasonOf = (e: Partial<ModelEvaluation>) =>
      notInformativeReason({ evaluation: { ...engine.evaluation, ...base, ...e } } as unknown as WinRateDriverEngine)
    expect(reasonOf({ auc: 0.58, aucLow: 0.53, aucHigh: 0.63, brier: 0.201, baselineBrier: 0.199 })).toMatch(
      /^Not a prediction: the model did not beat the base rate on the newest closed deals \(AUC 0\.58, 95% CI 0\.53-0\.63; Brier 0\.2010 vs 0\.1990 for the base rate\)/,
    )
    expect(reasonOf({ auc: 0.648, aucLow: 0.411, aucHigh: 0.87, brier: 0.1843, baselineBrier: 0.198 })).toMatch(
      /^Not a prediction: the model did not beat the base rate on the newest closed deals \(AUC 0\.65, 95% CI 0\.41-0\.87\), so/,
    )
  })

  it('counts the test deals in words that fit one deal or thousands', () => {
    const base = {
      auc: 0.5,
      aucLow: 0,
      aucHigh: 1,
      brier: 0.48,
      baselineBrier: 0.45,
      baseRate: 0.33,
      leakSuspect: null,
      informative: false,
    }
    expect(evaluationVerdict({ ...base, nTest: 1, testWinRate: 1 })).toMatch(
      /^The newest closed deal was won, so the model's ranking could not be tested/,
    )
    expect(evaluationVerdict({ ...base, nTest: 1088, testWinRate: 0 })).toMatch(/^The newest 1,088 closed deals were all lost, so/)
    const both = { ...base, aucLow: 0.47, aucHigh: 0.53, testWinRate: 0.25 }
    expect(evaluationVerdict({ ...both, nTest: 1088 })).toMatch(/does not beat the base rate on the newest 1,088 closed deals:/)
    const reasonOf = (e: Partial<ModelEvaluation>) =>
      notInformativeReason({ evaluation: { ...engine.evaluation, ...base, ...e } } as unknown as WinRateDriverEngine)
    expect(reasonOf({ nTest: 1, testWinRate: 0 })).toMatch(
      /^Not a prediction: the newest closed deal was lost, so the model could not be tested/,
    )
  })

  it('round-trips through its stored JSON form with identical predictions', () => {
    const stored = JSON.parse(JSON.stringify(engine.serialize())) as SerializedWinModel
    const loaded = WinRateDriverEngine.fromSerialized(stored)
    const owners = new OwnerWinHistory(ownerClosesOf(planted))
    for (const d of planted.slice(0, 300)) expect(loaded.predict(d, owners)).toEqual(engine.predict(d, owners))
    expect(loaded.drivers()).toEqual(engine.drivers())
  })

  it('refuses to train on too few closed deals, saying how many there are and to import more history', () => {
    const few = syntheticDeals({ n: 60, seed: 5, signal: true })
    const closed = few.filter((d) => d.outcome !== 'open' && d.closed_date !== null && d.closed_date <= FIXTURE_AS_OF).length
    expect(() => train(few)).toThrow(AppError)
    // Nothing closed after "as of": a later day would not help, so it is not advised.
    expect(() => train(few)).toThrow(
      new RegExp(
        `^Only ${closed} closed deals by ${FIXTURE_AS_OF} that are not stale were found; the model needs at least 100 to train and test\\. Import more history \\(a larger export with more closed deals, \`pulse ingest --csv FILE\`, or \`pulse sync\` from a CRM that holds them\\), then train again\\.$`,
      ),
    )
    const none = few.filter((d) => d.outcome === 'open')
    expect(() => train(none)).toThrow(/^No closed deals by \S+ that are not stale were found; the model needs at least 100/)
  })

  it('advises a later "as of" only when the deals that closed after it would make up the shortfall', () => {
    const deals = syntheticDeals({ n: 600, seed: 5, signal: true })
    const closes = deals
      .filter((d) => d.outcome !== 'open' && d.closed_date !== null)
      .map((d) => d.closed_date as string)
      .sort()
    const asOf = closes[40] as string
    const kept = closes.filter((c) => c <= asOf).length
    const later = closes.length - kept
    const last = closes[closes.length - 1] as string
    const trainAsOf = (ds: ModelDeal[], closedAfter?: { count: number; lastClosedDate: string | null }) => () =>
      WinRateDriverEngine.train({ deals: ds, ownerCloses: ownerClosesOf(ds), asOf, staleDays: 10_000, closedAfter })
    expect(trainAsOf(deals)).toThrow(
      `Only ${kept} closed deals by ${asOf} that are not stale were found; the model needs at least 100 to train and test. The store holds ${later} more deals closed after ${asOf} (the last on ${last}): train as of a later day, such as ${last}, to include them.`,
    )
    // Deals the store holds but did not pass (read only up to "as of") count the same way.
    const upToAsOf = deals.filter((d) => d.closed_date === null || d.closed_date <= asOf)
    expect(trainAsOf(upToAsOf, { count: later, lastClosedDate: last })).toThrow(
      `The store holds ${later} more deals closed after ${asOf} (the last on ${last}): train as of a later day, such as ${last}, to include them.`,
    )
    // Too few even with the later closes: more history is the remedy, and the later day is said to fall short.
    expect(trainAsOf(upToAsOf, { count: 3, lastClosedDate: last })).toThrow(
      `A later day would add only the 3 more deals closed after ${asOf}, still fewer than 100 in all. Import more history`,
    )
    expect(trainAsOf(upToAsOf, { count: 1, lastClosedDate: last })).toThrow(`the 1 more deal closed after ${asOf},`)
  })

  it('says how many closed deals were left out as stale when that is why there are too few', () => {
    const deals = syntheticDeals({ n: 400, seed: 6, signal: false })
    const closed = deals.filter((d) => d.outcome !== 'open' && d.closed_date !== null)
    for (const d of closed.slice(0, closed.length - 50)) {
      wentQuiet(d, 60)
    }
    expect(() => train(deals)).toThrow(
      new RegExp(
        `Only 50 closed deals by ${FIXTURE_AS_OF} that are not stale were found \\(${closed.length - 50} more were left out as stale: no touch for more than 30 days \\(PULSE_STALE_DAYS\\) before they closed\\)`,
      ),
    )
  })

  it('refuses to test on deals that closed on the same day as those it learned from', () => {
    const deals = syntheticDeals({ n: 400, seed: 8, signal: true }).map((d) =>
      d.closed_date === null ? d : { ...d, closed_date: '2024-05-01', last_activity_date: '2024-04-30', updated_date: '2024-04-30' },
    )
    expect(deals.filter((d) => d.closed_date !== null).length).toBeGreaterThan(100)
    expect(() => train(deals)).toThrow(/closed on one day \(2024-05-01\), so none is newer than the others to test the model on/)
    // A second close day is enough: the test deals are the newer ones.
    const later = deals.map((d, i) => (d.closed_date !== null && i % 5 === 0 ? { ...d, closed_date: '2024-05-02' } : d))
    const e = train(later).evaluation
    expect(e.split.trainTo < e.split.testFrom).toBe(true)
  })

  it('counts one closed deal, and one stale one, in the singular', () => {
    const deals = syntheticDeals({ n: 40, seed: 7, signal: false })
    const closed = deals.filter((d) => d.outcome !== 'open' && d.closed_date !== null)
    const [kept, staleOne] = closed as [ModelDeal, ModelDeal]
    wentQuiet(staleOne, 60)
    expect(() => train([kept, staleOne])).toThrow(
      `Only 1 closed deal by ${FIXTURE_AS_OF} that is not stale was found (1 more was left out as stale: no touch for more than 30 days (PULSE_STALE_DAYS) before it closed);`,
    )
  })
})

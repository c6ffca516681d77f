import { describe, expect, it } from 'vitest'
import { benjaminiHochberg } from '../../src/analytics/benjamini-hochberg.js'
import { binomialLimits } from '../../src/analytics/binomial-distribution.js'
import { chiSquareSf } from '../../src/analytics/chi-square-sf.js'
import { kaplanMeierPercentiles } from '../../src/analytics/kaplan-meier-percentiles.js'
import { normalSf } from '../../src/analytics/normal-distribution.js'
import { fisherExact, twoProportionTest } from '../../src/analytics/two-proportion-test.js'
import { wilsonInterval } from '../../src/analytics/wilson-interval.js'

// Expected values computed by hand and checked against scipy.stats.
describe('statistics primitives', () => {
  it('normal tail matches the tables', () => {
    expect(normalSf(1.959964)).toBeCloseTo(0.025, 8)
    expect(normalSf(6) / 9.865876450376946e-10).toBeCloseTo(1, 8)
  })

  it('Wilson interval of 8/10, 10/10 (all wins) and 0/5, and n = 0', () => {
    const a = wilsonInterval(8, 10)
    expect(a.low).toBeCloseTo(0.49016247, 7)
    expect(a.high).toBeCloseTo(0.94331785, 7)
    const allWins = wilsonInterval(10, 10)
    expect(allWins.low).toBeCloseTo(0.7224672, 7)
    expect(allWins.high).toBeCloseTo(1, 10)
    const none = wilsonInterval(0, 5)
    expect(none.low).toBe(0)
    expect(none.high).toBeCloseTo(0.43448246, 7)
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 })
  })

  it('Wilson interval contains the observed rate for every count, starting at exactly 0 for none won and ending at exactly 1 for all', () => {
    for (let n = 1; n <= 300; n++) {
      expect(wilsonInterval(0, n).low).toBe(0)
      expect(wilsonInterval(n, n).high).toBe(1)
      for (let won = 0; won <= n; won++) {
        const { low, high } = wilsonInterval(won, n)
        expect(low).toBeLessThanOrEqual(won / n)
        expect(high).toBeGreaterThanOrEqual(won / n)
      }
    }
  })

  it('Benjamini-Hochberg q-values keep input order and are monotone in p', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.2])
    expect(q[0]).toBeCloseTo(0.04, 12)
    expect(q[1]).toBeCloseTo(0.0533333333, 9)
    expect(q[2]).toBeCloseTo(0.0533333333, 9)
    expect(q[3]).toBeCloseTo(0.2, 12)
    const q2 = benjaminiHochberg([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205])
    expect(q2.map((v) => Number(v.toFixed(7)))).toEqual([0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.0845714, 0.205])
    expect(benjaminiHochberg([])).toEqual([])
  })

  it("Fisher's exact test and the pooled z test", () => {
    expect(fisherExact(3, 4, 4, 8)).toBeCloseTo(0.4857142857, 9)
    expect(fisherExact(10, 10, 50, 100)).toBeCloseTo(0.0011868393, 9)
    const z = twoProportionTest(30, 100, 60, 100)
    expect(z.test).toBe('z')
    expect(z.pValue).toBeCloseTo(2.007865612e-5, 12)
    // a small segment with all wins: expected losses < 5, so the exact test is used
    const allWins = twoProportionTest(10, 10, 30, 60)
    expect(allWins.test).toBe('fisher')
    expect(allWins.pValue).toBeCloseTo(0.003655092, 9)
    expect(twoProportionTest(0, 0, 5, 10).pValue).toBe(1)
  })

  it('exact binomial limits are the 0.135% quantiles', () => {
    expect(binomialLimits(10, 0.5, 0.00135)).toEqual({ low: 1, high: 9 })
    expect(binomialLimits(20, 0.3, 0.00135)).toEqual({ low: 1, high: 12 })
  })

  it('chi-square upper tail', () => {
    expect(chiSquareSf(3.841, 1)).toBeCloseTo(0.0500136838, 8)
    expect(chiSquareSf(20, 10)).toBeCloseTo(0.0292526881, 8)
  })

  it('Kaplan-Meier percentiles keep censored stays at risk', () => {
    // events at 2, 3, 3, 5, 8; censored at 4 and 6:
    // S(2)=6/7, S(3)=6/7*4/6=0.571, S(5)=0.571*2/3=0.381, S(8)=0 -> median 5, p75 8, p90 8
    const km = kaplanMeierPercentiles([
      { days: 2, events: 1, censored: 0 },
      { days: 3, events: 2, censored: 0 },
      { days: 4, events: 0, censored: 1 },
      { days: 5, events: 1, censored: 0 },
      { days: 6, events: 0, censored: 1 },
      { days: 8, events: 1, censored: 0 },
    ])
    expect(km).toEqual({ median: 5, p75: 8, p90: 8, completed: 5, censored: 2 })
    // dropping the censored stays instead would give a median of 3: censoring matters
    const dropped = kaplanMeierPercentiles([
      { days: 2, events: 1, censored: 0 },
      { days: 3, events: 2, censored: 0 },
      { days: 5, events: 1, censored: 0 },
      { days: 8, events: 1, censored: 0 },
    ])
    expect(dropped.median).toBe(3)
    // only censored stays: the curve never falls, no percentile is claimed
    expect(kaplanMeierPercentiles([{ days: 10, events: 0, censored: 4 }])).toMatchObject({ median: null, p75: null, p90: null })
    // a censored stay at the same day as an event is still at risk at that day
    const tie = kaplanMeierPercentiles([
      { days: 1, events: 1, censored: 1 },
      { days: 2, events: 1, censored: 0 },
    ])
    expect(tie.median).toBe(2)
  })
})

import { describe, expect, it } from 'vitest'
import { type MonthOutcome, pChart } from '../../src/analytics/p-chart.js'

const month = (m: string, won: number, lost: number, partial = false): MonthOutcome => ({ month: m, won, lost, partial })

describe('pChart', () => {
  it('judges a month against the pooled baseline with binomial limits from its own n', () => {
    const { points } = pChart([
      month('2024-01', 30, 70),
      month('2024-02', 30, 70),
      month('2024-03', 30, 70),
      month('2024-04', 30, 70),
      month('2024-05', 15, 85),
    ])
    expect(points.slice(0, 4).every((p) => p.center === null && p.anomaly === null)).toBe(true)
    const may = points[4]!
    // p-bar 0.3, sigma = sqrt(0.21/100) = 0.045826, limits 0.3 -/+ 0.137477
    expect(may.center).toBeCloseTo(0.3, 12)
    expect(may.lcl).toBeCloseTo(0.162523, 6)
    expect(may.ucl).toBeCloseTo(0.437477, 6)
    expect(may.limitMethod).toBe('binomial')
    expect(may.anomaly).toBe('low')
    expect(may.baselineFrom).toBe('2024-01')
    expect(may.baselineTo).toBe('2024-04')
  })

  it('uses exact binomial limits for a small month', () => {
    const { points } = pChart([...['01', '02', '03', '04'].map((m) => month(`2024-${m}`, 30, 70)), month('2024-05', 0, 20)])
    const p = points[4]!
    expect(p.limitMethod).toBe('exact-binomial')
    // Binomial(20, 0.3): P(X <= 0) = 0.0008 < 0.00135, so 0 wins is low; limits 1/20 and 12/20
    expect(p.lcl).toBeCloseTo(0.05, 12)
    expect(p.ucl).toBeCloseTo(0.6, 12)
    expect(p.anomaly).toBe('low')
  })

  it('sets no range from a baseline of one outcome only, so one win after months of losses is no anomaly', () => {
    const lostOnly = ['01', '02', '03', '04'].map((m) => month(`2024-${m}`, 0, 10))
    const { points } = pChart([...lostOnly, month('2024-05', 1, 9), month('2024-06', 0, 10)])
    const may = points[4]!
    expect([may.center, may.lcl, may.ucl, may.anomaly, may.limitMethod]).toEqual([null, null, null, null, null])
    // May's win joins the baseline: June is judged against 1 win in 50 deals.
    expect(points[5]!.center).toBeCloseTo(1 / 50, 12)
    const wonOnly = pChart([...['01', '02', '03', '04'].map((m) => month(`2024-${m}`, 10, 0)), month('2024-05', 7, 3)])
    expect(wonOnly.points[4]!.anomaly).toBeNull()
    expect(wonOnly.points[4]!.center).toBeNull()
  })

  it('sets no range from a baseline of fewer than 30 closed deals, so 3 wins in 3 after 1 win in 12 is no finding', () => {
    // Exact limits around 1/12 would flag May (P(X = 3) = 0.0006), but the 12-deal centre is too
    // uncertain: Fisher's exact test of 3/3 against 1/12 gives p = 0.009.
    const small = ['01', '02', '03', '04'].map((m, i) => month(`2024-${m}`, i === 0 ? 1 : 0, i === 0 ? 2 : 3))
    const { points } = pChart([...small, month('2024-05', 3, 0)])
    expect([points[4]!.center, points[4]!.anomaly]).toEqual([null, null])
    // The same rates over 30 baseline deals do set a range (and flag the month).
    const enough = pChart(
      [...['01', '02', '03', '04'].map((m, i) => month(`2024-${m}`, i === 0 ? 1 : 0, i === 0 ? 2 : 3)), month('2024-05', 3, 0)],
      { minBaselineDeals: 12 },
    )
    expect(enough.points[4]!.center).toBeCloseTo(1 / 12, 12)
    expect(enough.points[4]!.anomaly).toBe('high')
    const thirty = ['01', '02', '03', '04', '05'].map((m) => month(`2024-${m}`, 1, 5))
    const judged = pChart([...thirty, month('2024-06', 3, 0)]).points[5]!
    expect(judged.baselineN).toBe(30)
    expect(judged.center).toBeCloseTo(5 / 30, 12)
  })

  it('widens limits with Laney sigma_z when the baseline is overdispersed, and says so', () => {
    const { points } = pChart([
      month('2024-01', 30, 70),
      month('2024-02', 45, 55),
      month('2024-03', 15, 85),
      month('2024-04', 40, 60),
      month('2024-05', 20, 80),
      month('2024-06', 10, 90),
    ])
    const june = points[5]!
    expect(june.limitMethod).toBe('laney')
    // baseline z-scores 0, 3.273, -3.273, 2.182, -2.182 -> sigma_z = mean moving range / 1.128 = 4.3528
    expect(june.overdispersion).toBeCloseTo(4.35275, 4)
    expect(june.lcl).toBe(0)
    expect(june.ucl).toBeCloseTo(0.3 + 3 * 0.0458258 * 4.35275, 4)
    // 10% would be a binomial anomaly, but not against this noisy baseline
    expect(june.anomaly).toBeNull()
  })

  it('keeps a small month on an overdispersed baseline within limits never narrower than its exact ones', () => {
    // A baseline drifting from 5% to 16% (overdispersed, yet each step small: sigma_z = 1, so Laney
    // widens nothing), then a month of 7 wins in 20: beyond the normal approximation's 31% limit,
    // but P(X >= 7 | 20, 10.5%) = 0.003, within the exact limits (at most 7 wins).
    const drift = Array.from({ length: 12 }, (_, i) => month(`2023-${String(i + 1).padStart(2, '0')}`, 10 + 2 * i, 190 - 2 * i))
    const { points } = pChart([...drift, month('2024-01', 7, 13)])
    const jan = points[12]!
    expect(jan.limitMethod).toBe('laney')
    expect(jan.overdispersion).toBe(1)
    expect(jan.ucl).toBeCloseTo(7 / 20, 12)
    expect(jan.anomaly).toBeNull()
    // 8 of 20 is beyond the exact limits too, and still flagged.
    expect(pChart([...drift, month('2024-01', 8, 12)]).points[12]!.anomaly).toBe('high')
  })

  it('shows a month with no closed deals without judging it or using it as baseline', () => {
    const { points } = pChart([
      month('2024-01', 30, 70),
      month('2024-02', 30, 70),
      month('2024-03', 0, 0),
      month('2024-04', 30, 70),
      month('2024-05', 30, 70),
      month('2024-06', 30, 70),
    ])
    const march = points[2]!
    expect(march.winRate).toBeNull()
    expect(march.anomaly).toBeNull()
    expect(march.lcl).toBeNull()
    expect(points[5]!.baselineN).toBe(400)
    expect(points[5]!.baselineFrom).toBe('2024-01')
  })

  it('never judges the partial month, and keeps flagged months out of later baselines', () => {
    const { points } = pChart([
      ...['01', '02', '03', '04'].map((m) => month(`2024-${m}`, 30, 70)),
      month('2024-05', 10, 90),
      month('2024-06', 12, 88),
      month('2024-07', 0, 40, true),
    ])
    expect(points[4]!.anomaly).toBe('low')
    // June's baseline is still Jan-Apr (May was flagged), so the shift keeps showing
    expect(points[5]!.center).toBeCloseTo(0.3, 12)
    expect(points[5]!.anomaly).toBe('low')
    expect(points[6]!.partial).toBe(true)
    expect(points[6]!.anomaly).toBeNull()
    expect(points[6]!.lcl).not.toBeNull()
  })

  it('names run rules: 8 below the centre, 2 of 3 beyond 2 sigma', () => {
    const base = ['01', '02', '03', '04', '05', '06'].map((m) => month(`2023-${m}`, 300, 700))
    const slightlyLow = ['07', '08', '09', '10', '11', '12'].map((m) => month(`2023-${m}`, 29, 71))
    const more = ['01', '02'].map((m) => month(`2024-${m}`, 29, 71))
    const { points, runSignals } = pChart([...base, ...slightlyLow, ...more])
    expect(points.every((p) => p.anomaly === null)).toBe(true)
    expect(runSignals.map((s) => s.rule)).toEqual(['eight_below'])
    expect(runSignals[0]!.months).toHaveLength(8)
    expect(points[13]!.runRules).toEqual(['8 complete months in a row below the centre line'])

    // z = (0.2 - 0.3) / 0.0458 = -2.18 twice in three months
    const twoOfThree = pChart([...base.slice(0, 4), month('2023-05', 20, 80), month('2023-06', 30, 70), month('2023-07', 20, 80)])
    expect(twoOfThree.runSignals.map((s) => s.rule)).toEqual(['two_of_three_low'])
    expect(twoOfThree.points[6]!.anomaly).toBeNull()
  })

  it('does not let a baseline that is binomial but for chance swings hide a sustained drop behind Laney limits', () => {
    // Monthly closes of a generated sample (seed 8, 6,000 deals) whose win rate drops from ~38% to ~25% in 2024:
    // the dispersion test of the baselines is met only by chance (chi-square p between 0.01 and 0.05).
    const counts: Array<[string, number, number]> = [
      ['2022-08', 27, 31],
      ['2022-09', 69, 91],
      ['2022-10', 80, 119],
      ['2022-11', 61, 146],
      ['2022-12', 71, 161],
      ['2023-01', 91, 131],
      ['2023-02', 80, 125],
      ['2023-03', 89, 137],
      ['2023-04', 98, 157],
      ['2023-05', 78, 140],
      ['2023-06', 95, 142],
      ['2023-07', 104, 165],
      ['2023-08', 103, 134],
      ['2023-09', 98, 166],
      ['2023-10', 81, 180],
      ['2023-11', 114, 177],
      ['2023-12', 72, 164],
      ['2024-01', 103, 156],
      ['2024-02', 87, 171],
      ['2024-03', 86, 204],
      ['2024-04', 66, 188],
      ['2024-05', 75, 218],
      ['2024-06', 69, 213],
    ]
    const { points } = pChart([...counts.map(([m, w, l]) => month(m, w, l)), month('2024-07', 48, 138, true)])
    const at = (m: string) => points.find((p) => p.month === m)!
    for (const m of ['2024-04', '2024-05', '2024-06'])
      expect({ m, anomaly: at(m).anomaly, method: at(m).limitMethod }).toEqual({ m, anomaly: 'low', method: 'binomial' })
    expect(points.filter((p) => p.month < '2024-03').every((p) => p.anomaly === null)).toBe(true)
  })
})

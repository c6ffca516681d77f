import { describe, expect, it } from 'vitest'
import { carriedFinding, carryingPairs, driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentFieldName } from '../../src/db/deal-scope.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { drawNestedRows } from './draw-nested-rows.js'
import { drawSegmentRows } from './draw-segment-rows.js'
import { summaryOfDrivers } from './summary-of-drivers.js'

const q = { asOf: '2026-06-30' }
const EMEA = 'drivers_low:region=EMEA'
const PAIR = 'drivers_low:region=EMEA&amount_band=50k-100k'

describe('a single-field driver that one of its pairs carries', () => {
  it('is not stated as a finding when its other deals win as usual: the pair is named instead', () => {
    let checked = 0
    for (let seed = 1; seed <= 10; seed++) {
      // EMEA's $50k-100k deals lose on their own; EMEA's other deals win at the base rate.
      const drivers = driversReport(drawSegmentRows(seed, 8000, { pair: -1.4 }), q)
      const emea = drivers.segments.find((s) => s.segment.region === 'EMEA' && Object.keys(s.segment).length === 1)
      if (!emea?.significant) continue
      checked++
      // Never a finding to act on; when it has a place in the list, it is context naming the pair
      // and what EMEA's other deals win.
      expect(drivers.findings.filter((f) => f.significant).map((f) => f.key)).not.toContain(EMEA)
      expect(carryingPairs(emea, drivers.segments, drivers)[0]?.segment).toEqual({ region: 'EMEA', amount_band: '50k-100k' })
      const pair = drivers.segments.find((s) => s.segment.region === 'EMEA' && s.segment.amount_band === '50k-100k')
      expect(carriedFinding(emea, pair!, drivers.segments).text).toMatch(
        /^Deals in EMEA win \d+% vs \d+% for all others \(.*\), a gap that comes from deals of \$50k-100k in EMEA \([\d.]+%\); the other deals in EMEA win \d+%, not significantly less than all others \(p=0\.\d+\)\.$/,
      )
      expect(drivers.findings.find((f) => f.key === PAIR)?.significant).toBe(true)
      const summary = summaryOfDrivers(drivers, q)
      expect(summary.findings.filter((f) => f.significant).map((f) => f.key)).not.toContain(EMEA)
      expect(summary.findings.map((f) => f.key)).toContain(PAIR)
    }
    // The situation the rule is for: EMEA alone is significant in most of these reports.
    expect(checked).toBeGreaterThanOrEqual(7)
  })

  it('is not stated when two of its pairs carry its gap between them, neither alone', () => {
    let checked = 0
    for (let seed = 1; seed <= 10; seed++) {
      // EMEA's $50k-100k and $100k+ deals lose on their own; EMEA's other deals win at the base rate.
      const { rows } = drawNestedRows(seed, 8000, {
        pairs: [
          { region: 'EMEA', band: '50k-100k', effect: -1.2 },
          { region: 'EMEA', band: '100k+', effect: -1.2 },
        ],
      })
      const drivers = driversReport(rows, q)
      const emea = drivers.segments.find((s) => s.segment.region === 'EMEA' && Object.keys(s.segment).length === 1)
      if (!emea?.significant) continue
      checked++
      const carriers = carryingPairs(emea, drivers.segments, drivers)
      // Neither pair alone: set apart together.
      expect(carriers.map((c) => c.segment.amount_band).sort()).toEqual(['100k+', '50k-100k'])
      expect(drivers.findings.filter((f) => f.significant).map((f) => f.key)).not.toContain(EMEA)
      expect(carriedFinding(emea, carriers, drivers.segments).text).toMatch(
        /, a gap that comes from deals of \$(50k-100k|100k or more) in EMEA \([\d.]+%\) and deals of \$(50k-100k|100k or more) in EMEA \([\d.]+%\); the other deals in EMEA win \d+%, (not significantly less than all others \(p=.*\)|no less than all others)\.$/,
      )
      expect(
        summaryOfDrivers(drivers, q)
          .findings.filter((f) => f.significant)
          .map((f) => f.key),
      ).not.toContain(EMEA)
    }
    expect(checked).toBeGreaterThanOrEqual(9)
  })

  it('is context in the drivers list and not in the summary when the pair is the only effect', () => {
    for (let seed = 1; seed <= 10; seed++) {
      // Nothing moves the win rate but EMEA's $50k-100k deals: EMEA and the $50k-100k band are each
      // significant only through them.
      const drivers = driversReport(drawSegmentRows(seed, 8000, { pair: -1.4, broad: 0 }), q)
      const stated = drivers.findings.filter((f) => f.significant).map((f) => f.key)
      expect(stated).toContain(PAIR)
      expect(stated).not.toContain(EMEA)
      expect(stated).not.toContain('drivers_low:amount_band=50k-100k')
      const emea = drivers.findings.find((f) => f.key === EMEA)
      if (emea) expect(emea.text).toContain('a gap that comes from deals of $50k-100k in EMEA')
      const summary = summaryOfDrivers(drivers, q)
      expect(summary.findings.filter((f) => f.significant).map((f) => f.key)).toEqual([PAIR])
    }
  })

  it('is still stated when the whole field differs, not only the pair', () => {
    for (let seed = 1; seed <= 10; seed++) {
      // Every EMEA deal wins less, and its $50k-100k deals less again.
      const drivers = driversReport(drawSegmentRows(seed, 8000, { emea: -0.45, pair: -1.4 }), q)
      const said = drivers.findings.find((f) => f.key === EMEA)
      expect(said?.significant).toBe(true)
      expect(said?.text).not.toContain('comes from')
      expect(summaryOfDrivers(drivers, q).findings.map((f) => f.key)).toContain(EMEA)
    }
  })

  it('says "no less" when the other deals of the value win more than all others', () => {
    // Region x product counts [region, product, n, won]: EMEA's Enterprise deals win 5%, its other
    // deals 38%, every other cell 32.5%.
    const cells: Array<[string, string, number, number]> = []
    for (const region of ['North America', 'EMEA', 'APAC', 'LATAM'])
      for (const product of ['Core', 'Pro', 'Enterprise'])
        cells.push(
          region !== 'EMEA'
            ? [region, product, 200, 65]
            : product === 'Enterprise'
              ? [region, product, 300, 15]
              : [region, product, 150, 57],
        )
    const rows: SegmentOutcomeRow[] = []
    for (const fields of [['region'], ['product_type'], ['region', 'product_type']] as SegmentFieldName[][]) {
      const by = new Map<string, SegmentOutcomeRow>()
      for (const [region, product, n, won] of cells) {
        const values = fields.map((f) => (f === 'region' ? region : product))
        const row = by.get(values.join('|')) ?? { fields, values, n: 0, won: 0 }
        row.n += n
        row.won += won
        by.set(values.join('|'), row)
      }
      rows.push(...by.values())
    }
    const drivers = driversReport(rows, q)
    const said = drivers.findings.find((f) => f.key === EMEA)
    expect(said?.significant).toBe(false)
    expect(said?.text).toMatch(
      /, a gap that comes from Enterprise deals in EMEA \(5\.0%\); the other deals in EMEA win 38%, no less than all others\.$/,
    )
  })

  it('in a two-region store, names the pair rather than the other region as the finding', () => {
    // [region, band, n, won]: every cell wins 33%, except EMEA's $50k-100k deals (10%).
    const cells: Array<[string, string, number, number]> = [
      ['NA', '10k-50k', 1000, 330],
      ['NA', '50k-100k', 1000, 330],
      ['NA', '100k+', 1000, 330],
      ['EMEA', '10k-50k', 1000, 330],
      ['EMEA', '50k-100k', 400, 40],
      ['EMEA', '100k+', 1000, 330],
    ]
    const rows: SegmentOutcomeRow[] = []
    for (const fields of [['region'], ['amount_band'], ['region', 'amount_band']] as SegmentFieldName[][]) {
      const by = new Map<string, SegmentOutcomeRow>()
      for (const [region, band, n, won] of cells) {
        const values = fields.map((f) => (f === 'region' ? region : band))
        const row = by.get(values.join('|')) ?? { fields, values, n: 0, won: 0 }
        row.n += n
        row.won += won
        by.set(values.join('|'), row)
      }
      rows.push(...by.values())
    }
    const drivers = driversReport(rows, q)
    // NA wins more than "all others" only because EMEA's $50k-100k deals are among them.
    expect(drivers.segments.find((s) => s.segment.region === 'NA' && !s.segment.amount_band)?.significant).toBe(true)
    expect(drivers.findings.filter((f) => f.significant).map((f) => f.key)).toEqual(['drivers_low:region=EMEA&amount_band=50k-100k'])
    expect(drivers.findings.find((f) => f.key === 'drivers_high:region=NA')?.text).toMatch(
      /, a gap that comes from deals of \$50k-100k in EMEA \(10%\) among those others; without them, the others win 33%\.$/,
    )
    expect(drivers.findings.find((f) => f.key === 'drivers_low:region=EMEA')?.text).toContain(
      'a gap that comes from deals of $50k-100k in EMEA (10%)',
    )
    const summary = summaryOfDrivers(drivers, q)
    expect(summary.findings.filter((f) => f.significant).map((f) => f.key)).toEqual(['drivers_low:region=EMEA&amount_band=50k-100k'])
  })
})

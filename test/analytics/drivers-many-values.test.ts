import { describe, expect, it } from 'vitest'
import { driversReport, pairInteractionQ } from '../../src/analytics/drivers-report.js'
import type { SegmentFieldName } from '../../src/db/deal-scope.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { summaryOfDrivers } from './summary-of-drivers.js'

const BANDS = ['<10k', '10k-50k', '50k-100k', '100k+']

/**
 * The drivers' segment rows of a company with `regions` regions and `industries` industries (as a
 * free-text industry column gives), each value moving the win rate, every region-industry-band
 * cell holding `perCell` deals won at its expected rate: most values are significant drivers, and
 * the pairs with the amount band number in the thousands.
 */
function manyValueRows(regions: number, industries: number, perCell: number): SegmentOutcomeRow[] {
  const by = new Map<string, SegmentOutcomeRow>()
  const add = (fields: SegmentFieldName[], values: string[], won: number) => {
    const key = `${fields.join('|')}\u0000${values.join('|')}`
    const row = by.get(key) ?? { fields, values, won: 0, n: 0 }
    row.n += perCell
    row.won += won
    by.set(key, row)
  }
  for (let r = 0; r < regions; r++) {
    for (let i = 0; i < industries; i++) {
      BANDS.forEach((band, b) => {
        const rate = 0.1 + 0.4 * (r / regions) + 0.3 * (i / industries) + 0.05 * b
        const won = Math.round(perCell * rate)
        const [region, industry] = [`Region ${r}`, `Industry ${i}`]
        add(['region'], [region], won)
        add(['industry'], [industry], won)
        add(['amount_band'], [band], won)
        add(['region', 'amount_band'], [region, band], won)
        add(['industry', 'amount_band'], [industry, band], won)
      })
    }
  }
  return [...by.values()]
}

describe('drivers of fields with many values', () => {
  it('are reported in seconds, not minutes: each significant value is checked for a carrying pair without redoing every pair test', () => {
    const rows = manyValueRows(150, 240, 3)
    const started = performance.now()
    const drivers = driversReport(rows, { asOf: '2026-06-30' })
    summaryOfDrivers(drivers, { asOf: '2026-06-30' })
    const seconds = (performance.now() - started) / 1000
    // The situation: hundreds of significant values and over a thousand pairs.
    expect(drivers.segments.filter((s) => s.significant && Object.keys(s.segment).length === 1).length).toBeGreaterThan(150)
    expect(drivers.segments.filter((s) => Object.keys(s.segment).length === 2).length).toBeGreaterThan(1000)
    expect(drivers.findings.length).toBeGreaterThan(0)
    // The work done: the report's pair tests were worked out once and are given again as they are.
    const all = { n: drivers.n, won: drivers.won }
    const q = pairInteractionQ(drivers.segments, all)
    expect(pairInteractionQ(drivers.segments, all)).toBe(q)
    expect(q.size).toBe(drivers.segments.filter((s) => Object.keys(s.segment).length === 2).length)
    // About a second here; redoing every pair test per value took minutes. A wide margin for a loaded machine.
    expect(seconds).toBeLessThan(60)
  }, 120_000)
})

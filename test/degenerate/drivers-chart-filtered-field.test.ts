import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import { driversChart } from '../../src/charts/drivers-chart.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { mainRows } from '../charts/spec-helpers.js'

const single = (field: string, value: string, n: number, won: number): SegmentOutcomeRow =>
  ({ fields: [field], values: [value], n, won }) as unknown as SegmentOutcomeRow
const pair = (a: string, av: string, b: string, bv: string, n: number, won: number): SegmentOutcomeRow =>
  ({ fields: [a, b], values: [av, bv], n, won }) as unknown as SegmentOutcomeRow

// `report drivers --where region=EMEA`: every deal is EMEA, so each region x band pair is its band.
const rows = [
  single('region', 'EMEA', 1200, 336),
  single('amount_band', '<10k', 300, 93),
  single('amount_band', '10k-50k', 300, 111),
  single('amount_band', '50k-100k', 300, 24),
  single('amount_band', '100k+', 300, 108),
  pair('region', 'EMEA', 'amount_band', '<10k', 300, 93),
  pair('region', 'EMEA', 'amount_band', '10k-50k', 300, 111),
  pair('region', 'EMEA', 'amount_band', '50k-100k', 300, 24),
  pair('region', 'EMEA', 'amount_band', '100k+', 300, 108),
]

describe('drivers chart of a report filtered on one of its two fields', () => {
  it("draws the other field's segments as the filtered value's row instead of saying there are no deals", () => {
    const report = driversReport(rows, { asOf: '2024-07-20', where: { region: 'EMEA' } })
    expect(report.findings.some((f) => f.significant)).toBe(true)
    const chart = driversChart(report)
    const cells = mainRows(chart.spec) as Array<{ row: string; column: string; n: number }>
    expect(cells.map((c) => [c.row, c.column, c.n]).sort()).toEqual([
      ['EMEA', '100k+', 300],
      ['EMEA', '10k-50k', 300],
      ['EMEA', '50k-100k', 300],
      ['EMEA', '<10k', 300],
    ])
    expect(chart.title).toBe('EMEA 50k-100k deals win 8% vs 28% overall')
  })

  it('draws the amount bands in one row named All when every deal is in one region (no pair is tested), instead of an empty chart', () => {
    const report = driversReport(rows, { asOf: '2024-07-20' })
    expect(report.segments.some((s) => s.segment.region !== undefined)).toBe(false)
    const chart = driversChart(report)
    const cells = mainRows(chart.spec) as Array<{ row: string; column: string; n: number; winRate: number }>
    expect(cells.map((c) => [c.row, c.column, c.n, c.winRate]).sort()).toEqual([
      ['All', '100k+', 300, 108 / 300],
      ['All', '10k-50k', 300, 111 / 300],
      ['All', '50k-100k', 300, 24 / 300],
      ['All', '<10k', 300, 93 / 300],
    ])
    expect(chart.title).toBe('50k-100k deals win 8% vs 28% overall')
  })

  it('says why a chart is empty without claiming there are no deals', () => {
    const both = driversReport(rows, { asOf: '2024-07-20', where: { region: 'EMEA', amount_band: '50k-100k' } })
    expect(driversChart(both).altText).toMatch(/The filters fix both fields/)
    const none = driversReport([], { asOf: '2024-07-20' })
    expect(driversChart(none).altText).toMatch(/There are no closed deals in this period/)
  })
})

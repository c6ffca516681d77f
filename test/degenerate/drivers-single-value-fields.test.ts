import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'

const single = (field: string, value: string, n: number, won: number): SegmentOutcomeRow =>
  ({ fields: [field], values: [value], n, won }) as unknown as SegmentOutcomeRow
const pair = (a: string, av: string, b: string, bv: string, n: number, won: number): SegmentOutcomeRow =>
  ({ fields: [a, b], values: [av, bv], n, won }) as unknown as SegmentOutcomeRow

describe('drivers when a field has one value only (nothing to compare it with)', () => {
  it('does not test a segment that holds every closed deal, nor count it among the segments tested', () => {
    const rows = [
      single('region', 'EMEA', 100, 40),
      single('industry', 'SaaS', 60, 26),
      single('industry', 'Retail', 40, 14),
      pair('region', 'EMEA', 'amount_band', '50k-100k', 100, 40),
    ]
    const r = driversReport(rows, { asOf: '2024-07-20' })
    expect(r.segments.map((s) => s.segment)).toEqual([{ industry: 'SaaS' }, { industry: 'Retail' }])
    expect(r.tested).toBe(2)
    expect(r.findings[0]!.text).toMatch(/the 2 segments tested/)
  })

  it('says plainly that no segment can be compared when every field has one value', () => {
    const rows = [
      single('region', 'EMEA', 235, 99),
      single('industry', 'SaaS', 235, 99),
      pair('region', 'EMEA', 'amount_band', '50k-100k', 235, 99),
    ]
    const r = driversReport(rows, { asOf: '2024-07-20' })
    expect(r.segments).toEqual([])
    expect(r.tested).toBe(0)
    expect(r.overallWinRate).toBeCloseTo(99 / 235, 12)
    expect(r.findings).toHaveLength(1)
    expect(r.findings[0]!.significant).toBe(false)
    expect(r.findings[0]!.text).toBe(
      'No segment can be compared with the rest: all 235 closed deals share one value of every field tested, so no driver can be named.',
    )
  })

  it('words a single closed deal as such', () => {
    const r = driversReport([single('region', 'EMEA', 1, 1), single('industry', 'SaaS', 1, 1)], { asOf: '2024-07-20' })
    expect(r.findings.map((f) => f.text)).toEqual([
      'There is only 1 closed deal: no segment can be compared with the rest, so no driver can be named.',
    ])
  })
})

describe('drivers on too few closed deals', () => {
  it('says there are no closed deals instead of a verdict over 0 segments', () => {
    const r = driversReport([], { asOf: '2020-01-15' })
    expect(r.tested).toBe(0)
    expect(r.findings.map((f) => [f.text, f.significant])).toEqual([
      ['There are no closed deals: no segment can be compared with the rest, so no driver can be named.', false],
    ])
  })

  it('says there are too few deals when no segment tested is large enough to be called significant', () => {
    const rows = [single('region', 'EMEA', 12, 1), single('region', 'APAC', 14, 10), single('industry', 'SaaS', 26, 11)]
    const r = driversReport(rows, { asOf: '2024-07-20' })
    expect(r.tested).toBe(2)
    expect(r.findings.map((f) => [f.text, f.significant])).toEqual([
      [
        'Too few closed deals to name a driver: no segment of the 26 closed deals has the 30 a segment needs to be called significant.',
        false,
      ],
    ])
  })

  it('keeps "no segment differs significantly" once a segment is large enough to be called significant', () => {
    const rows = [single('region', 'EMEA', 30, 12), single('region', 'APAC', 30, 13)]
    const r = driversReport(rows, { asOf: '2024-07-20' })
    expect(r.findings[0]!.text).toMatch(
      /^No segment's win rate differs significantly from the rest after correcting for the 2 segments tested/,
    )
  })
})

import { describe, expect, it } from 'vitest'
import { driversReport, mirroredValues } from '../../src/analytics/drivers-report.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { summaryOfDrivers } from './summary-of-drivers.js'

const q = { asOf: '2024-07-20' }

/** One lead_source row per [value, n, won]. */
const sources = (cells: Array<[string, number, number]>): SegmentOutcomeRow[] =>
  cells.map(([value, n, won]) => ({ fields: ['lead_source'], values: [value], n, won }))

function summary(rows: SegmentOutcomeRow[]) {
  return summaryOfDrivers(driversReport(rows, q), q)
}

describe('a value that only mirrors a stronger value of its field', () => {
  // Referral wins 70%; every other source wins 45%, yet each is significant against "all others".
  const oneStrong = sources([
    ['Referral', 1000, 700],
    ['Partner', 1000, 450],
    ['Outbound', 1000, 450],
    ['Inbound', 1000, 450],
  ])

  it('is significant against all others, but said as Referral seen from the other side, not as a finding', () => {
    const drivers = driversReport(oneStrong, q)
    expect(drivers.segments.filter((s) => s.significant).map((s) => s.segment.lead_source)).toHaveLength(4)
    const partner = drivers.segments.find((s) => s.segment.lead_source === 'Partner')
    expect(partner && mirroredValues(partner, drivers.segments).map((s) => s.segment.lead_source)).toEqual(['Referral'])
    expect(drivers.findings.map((f) => [f.key, f.significant])).toEqual([
      ['drivers_high:lead_source=Referral', true],
      ['drivers_low:lead_source=Inbound', false],
      ['drivers_low:lead_source=Outbound', false],
      ['drivers_low:lead_source=Partner', false],
    ])
    expect(drivers.findings[1]?.text).toBe(
      'Inbound deals win 45% vs 53% for all others (0.84x, n=1,000, q<0.001), a gap that comes from Referral deals (70%) among those others; without them, the others win 45%.',
    )
  })

  it('is left out of the summary, which names only the value that differs', () => {
    const drivers = summary(oneStrong).findings.filter((f) => f.report === 'drivers')
    expect(drivers.map((f) => f.key)).toEqual(['drivers_high:lead_source=Referral'])
  })

  it('keeps a second value that differs on its own as a finding', () => {
    const drivers = driversReport(
      sources([
        ['Referral', 1000, 700],
        ['Partner', 1000, 250],
        ['Outbound', 1000, 450],
        ['Inbound', 1000, 450],
      ]),
      q,
    )
    const finding = (source: string) => drivers.findings.find((f) => f.key.endsWith(`lead_source=${source}`))
    expect(finding('Referral')?.significant).toBe(true)
    expect(finding('Partner')?.significant).toBe(true)
    expect(finding('Partner')?.text).not.toContain('a gap that comes from')
  })

  it('says the weaker side of a two-value field is the other one, once', () => {
    const drivers = driversReport(
      sources([
        ['Inbound', 3000, 1800],
        ['Outbound', 1000, 400],
      ]),
      q,
    )
    expect(drivers.findings.map((f) => [f.key, f.significant])).toEqual([
      ['drivers_high:lead_source=Inbound', true],
      ['drivers_low:lead_source=Outbound', false],
    ])
    expect(drivers.findings[1]?.text).toMatch(/, a gap that comes from Inbound deals \(60%\), which are all those others\.$/)
  })
})

describe('the two values of a two-value field with as many deals each', () => {
  // EMEA and APAC hold 100 closed deals each: the same gap seen from both sides, with equal evidence.
  const rows: SegmentOutcomeRow[] = [
    { fields: ['region'], values: ['EMEA'], won: 20, n: 100 },
    { fields: ['region'], values: ['APAC'], won: 60, n: 100 },
  ]

  it('are one finding and its mirror, not two findings', () => {
    const drivers = driversReport(rows, q)
    expect(drivers.findings.map((f) => [f.key, f.significant])).toEqual([
      ['drivers_high:region=APAC', true],
      ['drivers_low:region=EMEA', false],
    ])
    expect(summary(rows).sentences.filter((s) => /^Deals in (EMEA|APAC)/.test(s))).toEqual([
      'Deals in APAC win 60% vs 20% for all others (3.00x, n=100, q<0.001).',
    ])
  })
})

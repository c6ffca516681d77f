import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import { driversText } from '../../src/analytics/report-text.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { summaryOfDrivers } from './summary-of-drivers.js'

const q = { asOf: '2024-07-20' }

/** One region row per [value, n, won]. */
const regions = (cells: Array<[string, number, number]>): SegmentOutcomeRow[] =>
  cells.map(([value, n, won]) => ({ fields: ['region'], values: [value], n, won }))

describe('a segment whose "all others" are fewer than 30 deals', () => {
  // 990 EU deals win 48%; the 10 APAC deals all lost. The gap is significant (q < 0.05), but all of
  // it rests on 10 deals, which the report itself calls too few ("small n").
  const tinyRest = regions([
    ['EU', 990, 475],
    ['APAC', 10, 0],
  ])

  it('is not called significant, nor stated as a finding, though its own n is large', () => {
    const drivers = driversReport(tinyRest, q)
    const eu = drivers.segments.find((s) => s.segment.region === 'EU')
    expect(eu).toMatchObject({ n: 990, othersN: 10 })
    expect(eu!.qValue).toBeLessThan(0.05)
    expect(drivers.segments.filter((s) => s.significant)).toEqual([])
    expect(drivers.findings.map((f) => f.significant)).toEqual([false])
    expect(drivers.findings[0]?.text).toBe(
      'Too few closed deals to name a driver: no segment of the 1,000 closed deals has 30 deals and 30 others to compare it with, which a segment needs to be called significant.',
    )
    expect(summaryOfDrivers(drivers, q).findings.filter((f) => f.significant)).toEqual([])
  })

  it('says why in the verdict column: few others, as small n says it of the segment', () => {
    const text = driversText(driversReport(tinyRest, q))
    expect(text).toMatch(/^region=EU\s+990\s.*few others$/m)
    expect(text).toMatch(/^region=APAC\s+10\s.*small n$/m)
  })

  it('still names a driver when both sides hold 30 deals or more', () => {
    const drivers = driversReport(
      regions([
        ['EU', 970, 475],
        ['APAC', 30, 0],
      ]),
      q,
    )
    expect(drivers.segments.filter((s) => s.significant).map((s) => s.segment.region)).toEqual(['EU', 'APAC'])
    expect(drivers.findings[0]?.significant).toBe(true)
  })
})

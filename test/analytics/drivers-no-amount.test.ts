import { describe, expect, it } from 'vitest'
import { describeSegment, driversReport } from '../../src/analytics/drivers-report.js'
import { NO_AMOUNT_BAND } from '../../src/domain/amount-band.js'

describe('drivers of deals with no amount', () => {
  it('names the deals a CRM gave no amount as such, apart from the deals under $10k', () => {
    const report = driversReport(
      [
        { fields: ['amount_band'], values: [NO_AMOUNT_BAND], won: 10, n: 200 },
        { fields: ['amount_band'], values: ['<10k'], won: 100, n: 200 },
        { fields: ['amount_band'], values: ['100k+'], won: 100, n: 200 },
        { fields: ['region', 'amount_band'], values: ['EMEA', NO_AMOUNT_BAND], won: 5, n: 100 },
      ],
      { asOf: '2024-07-20' },
    )
    const none = report.segments.find((s) => s.segment.amount_band === NO_AMOUNT_BAND && s.segment.region === undefined)
    const small = report.segments.find((s) => s.segment.amount_band === '<10k')
    expect(none?.significant).toBe(true)
    expect(describeSegment(none!)).toMatch(/^Deals with no amount win 5.0% vs 50% for all others/)
    expect(describeSegment(small!)).toMatch(/^Deals of under \$10k win 50%/)
    const pair = report.segments.find((s) => s.segment.region === 'EMEA')
    expect(describeSegment(pair!)).toMatch(/^Deals with no amount in EMEA win 5.0%/)
  })
})

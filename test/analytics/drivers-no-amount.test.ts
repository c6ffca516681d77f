import { describe, expect, it } from 'vitest'
import { describeSegment, driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { NO_AMOUNT_BAND } from '../../src/domain/amount-band.js'

describe('drivers of deals with no amount', () => {
  const rows: SegmentOutcomeRow[] = [
    { fields: ['region'], values: ['EMEA'], won: 105, n: 300 },
    { fields: ['region'], values: ['APAC'], won: 105, n: 300 },
    { fields: ['amount_band'], values: [NO_AMOUNT_BAND], won: 10, n: 200 },
    { fields: ['amount_band'], values: ['<10k'], won: 100, n: 200 },
    { fields: ['amount_band'], values: ['100k+'], won: 100, n: 200 },
    { fields: ['region', 'amount_band'], values: ['EMEA', NO_AMOUNT_BAND], won: 5, n: 100 },
  ]

  it('tests no amount-band segment of the deals a CRM gave no amount (contract.md names four bands), counts them among the others and says how many there are', () => {
    const report = driversReport(rows, { asOf: '2024-07-20' })
    expect(report.n).toBe(600)
    expect(report.segments.some((s) => s.segment.amount_band === NO_AMOUNT_BAND)).toBe(false)
    const small = report.segments.find((s) => s.segment.amount_band === '<10k')
    // Under $10k: 100 of 200 won, against 110 of the 400 others (no-amount deals included).
    expect([small?.othersN, small?.othersWon]).toEqual([400, 110])
    expect(describeSegment(small!)).toMatch(/^Deals of under \$10k win 50% vs 28% for all others/)
    const note = report.findings.find((f) => f.key === 'drivers_no_amount')
    expect(note).toMatchObject({ significant: false })
    expect(note?.text).toBe(
      '200 closed deals have no amount in the CRM, so no amount band: they are not tested as a segment, only counted among the others.',
    )
  })

  it('says nothing of them when the report is filtered on an amount band, or when every deal has an amount', () => {
    const filtered = driversReport(
      rows.filter((r) => r.fields.includes('amount_band') && r.values.includes(NO_AMOUNT_BAND)),
      { asOf: '2024-07-20', where: { amount_band: NO_AMOUNT_BAND } },
    )
    expect(filtered.findings.some((f) => f.key === 'drivers_no_amount')).toBe(false)
    const priced = driversReport(
      rows.filter((r) => !r.values.includes(NO_AMOUNT_BAND)),
      { asOf: '2024-07-20' },
    )
    expect(priced.findings.some((f) => f.key === 'drivers_no_amount')).toBe(false)
  })
})

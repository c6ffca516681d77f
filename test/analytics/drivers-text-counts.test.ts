import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import { driversText } from '../../src/analytics/report-text.js'

describe('driversText counts', () => {
  it('writes one closed deal in the singular', () => {
    const report = driversReport(
      [
        { fields: ['region'], values: ['EMEA'], won: 1, n: 1 },
        { fields: ['amount_band'], values: ['100k+'], won: 1, n: 1 },
      ],
      { asOf: '2024-07-20', where: { amount_band: '100k+' } },
    )
    expect(report.n).toBe(1)
    expect(driversText(report).split('\n')[0]).toBe(
      'Win-rate drivers (as of 2024-07-20, amount_band=100k+): 1 closed deal, overall 100%; 0 segments tested, Benjamini-Hochberg q < 0.05 and n >= 30 to be significant',
    )
  })

  it('keeps the plural for several closed deals', () => {
    const report = driversReport(
      [
        { fields: ['region'], values: ['EMEA'], won: 3, n: 10 },
        { fields: ['region'], values: ['APAC'], won: 5, n: 10 },
      ],
      { asOf: '2024-07-20' },
    )
    expect(driversText(report).split('\n')[0]).toMatch(/: 20 closed deals, overall 40%; 2 segments tested,/)
  })
})

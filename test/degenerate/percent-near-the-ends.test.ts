import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import { formatPercent, formatPercentsApart } from '../../src/analytics/format-figures.js'
import { driversText } from '../../src/analytics/report-text.js'
import type { ReportQuery } from '../../src/analytics/report-types.js'
import { formatPercent as chartPercent } from '../../src/charts/chart-theme.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'

describe('a rate short of 0 or 1', () => {
  it('never reads as 0% or 100% in the reports', () => {
    expect(formatPercent(199 / 200)).toBe('99.5%')
    expect(formatPercent(2_999 / 3_000)).toBe('>99.9%')
    expect(formatPercent(1 / 3_000)).toBe('<0.1%')
    expect(formatPercent(0.994)).toBe('99%')
    expect(formatPercent(1)).toBe('100%')
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercentsApart(199 / 200, 1)).toEqual(['99.5%', '100%'])
  })

  it('never reads as 0% or 100% in the charts', () => {
    expect(chartPercent(199 / 200)).toBe('99.5%')
    expect(chartPercent(1 / 3_000)).toBe('<0.1%')
    expect(chartPercent(0.004)).toBe('0.4%')
    expect(chartPercent(1)).toBe('100%')
  })

  it('199 won of 200 closed deals reads 99.5% overall, not 100%', () => {
    const rows: SegmentOutcomeRow[] = [
      { fields: ['region'], values: ['EMEA'], won: 100, n: 100 },
      { fields: ['region'], values: ['APAC'], won: 99, n: 100 },
    ]
    const text = driversText(driversReport(rows, { asOf: '2025-07-12', where: {} } as ReportQuery))
    expect(text).toContain('200 closed deals, overall 99.5%')
  })
})

import { describe, expect, it } from 'vitest'
import type { DriverSegment, DriversReport } from '../../src/analytics/report-types.js'
import { winrateReport } from '../../src/analytics/winrate-report.js'
import { monthRange } from '../../src/domain/dates.js'
import { driversBlocks, winrateBlocks } from '../../src/slack/blocks/report-blocks.js'

describe('/pulse answers count in the right number', () => {
  it('a month with one closed deal reads "1 closed deal" in the verdict and the finding', () => {
    const months = monthRange('2023-01', '2024-07')
    const outcomes = months.map((month) =>
      month === '2024-06'
        ? { month, won: 1, lost: 0, wonAmount: 1e4, lostAmount: 0 }
        : { month, won: 5, lost: 5, wonAmount: 5e4, lostAmount: 5e4 },
    )
    const report = winrateReport(
      { outcomes, created: months.map((month) => ({ month, created: 10, createdAmount: 1e5 })) },
      { asOf: '2024-07-20' },
    )
    const { text, blocks } = winrateBlocks(report, 'your deals')
    const all = `${text} ${JSON.stringify(blocks)}`
    expect(all).toContain('1 closed deal')
    expect(all).not.toMatch(/\b1 closed deals/)
    // Its limits (0%-100%) take every rate: too few to judge, in the verdict and the finding alike.
    expect(all).not.toContain('within normal variation')
    expect(all).toContain('too few to judge: any rate would be within its limits')
  })

  it('one significant segment left out reads "1 more significant segment is not listed"', () => {
    const segment = (field: string, value: string): DriverSegment =>
      ({
        segment: { [field]: value },
        n: 100,
        won: 10,
        winRate: 0.1,
        lift: 0.3,
        ciLow: 0.05,
        ciHigh: 0.2,
        pValue: 0.001,
        qValue: 0.01,
        significant: true,
      }) as DriverSegment
    const report = {
      asOf: '2024-07-20',
      where: {},
      overallWinRate: 0.3,
      n: 1000,
      won: 300,
      minN: 30,
      tested: 20,
      segments: [segment('region', 'EMEA'), segment('industry', 'Retail')],
      combinations: [],
      findings: [{ report: 'drivers', key: 'k', significant: true, text: 'EMEA deals win 10% vs 33% for all others.' }],
    } as unknown as DriversReport
    const text = JSON.stringify(driversBlocks(report, 'company').blocks)
    expect(text).toContain('1 more significant segment is not listed here.')
    expect(text).not.toContain('1 more significant segments')
  })
})

describe('/pulse winrate states a flagged rate the same way throughout', () => {
  it('writes the recent months with the decimal the verdict and the finding use', () => {
    // 12 months at 34.8% on 250 deals, then 71 won of 273 (26.0%) just below its 26.1% limit.
    const months = monthRange('2025-03', '2026-03')
    const outcomes = months.map((month) =>
      month === '2026-03'
        ? { month, won: 71, lost: 202, wonAmount: 0, lostAmount: 0 }
        : { month, won: 87, lost: 163, wonAmount: 0, lostAmount: 0 },
    )
    const report = winrateReport({ outcomes, created: [] }, { asOf: '2026-04-10' })
    const march = report.months.find((m) => m.month === '2026-03')
    expect(march?.anomaly).toBe('low')
    const text = JSON.stringify(winrateBlocks(report, 'company').blocks)
    const verdictRate = /\*March 2026: ([\d.]+%)\*/.exec(text)?.[1]
    expect(verdictRate).toMatch(/\.\d%$/)
    expect(text).toContain(`2026-03  ${verdictRate}  (n=273)`)
  })
})

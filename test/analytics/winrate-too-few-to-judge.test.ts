import { describe, expect, it } from 'vitest'
import { winrateReport } from '../../src/analytics/winrate-report.js'
import { monthRange } from '../../src/domain/dates.js'

// A year of 20 closed deals a month at 50%, then a last complete month with `n` closed deals, `won` of them won.
function data(n: number, won: number) {
  const months = monthRange('2023-06', '2024-05')
  return {
    outcomes: [
      ...months.map((month) => ({ month, won: 10, lost: 10, wonAmount: 1e5, lostAmount: 1e5 })),
      { month: '2024-06', won, lost: n - won, wonAmount: won * 1e4, lostAmount: (n - won) * 1e4 },
    ],
    created: [...months, '2024-06'].map((month) => ({ month, created: 20, createdAmount: 2e5 })),
  }
}

describe('the win-rate sentence for a month with a handful of closed deals', () => {
  it('says the month is too few to judge when its limits take every rate, not that it is within the normal range', () => {
    const report = winrateReport(data(1, 0), { asOf: '2024-07-20' })
    const june = report.months.find((m) => m.month === '2024-06')!
    expect([june.lcl, june.ucl]).toEqual([0, 1])
    expect(report.findings[0]?.key).toBe('winrate_normal:2024-06')
    expect(report.findings[0]?.text).toMatch(
      /^Jun 2024's 1 closed deal \(win rate 0%\) is too few to judge: any rate would be within its limits of 0%-100%; no month since .* is outside its limits\.$/,
    )
    expect(report.findings[0]?.text).not.toContain('within the normal range')
  })

  it('says no month could be judged when every month shown had limits that take every rate', () => {
    // Two months shown, each with one closed deal: 0%-100% limits, so neither was judged.
    const d = data(1, 1)
    d.outcomes.splice(-2, 1, { month: '2024-05', won: 0, lost: 1, wonAmount: 0, lostAmount: 1e4 })
    const report = winrateReport(d, { asOf: '2024-07-20', months: 3 })
    const complete = report.months.filter((m) => !m.partial)
    expect(complete.map((m) => [m.lcl, m.ucl])).toEqual([
      [0, 1],
      [0, 1],
    ])
    const text = report.findings[0]?.text ?? ''
    expect(text).toContain('too few to judge')
    expect(text).not.toContain('is outside its limits')
    expect(text).toMatch(/; no month shown could be judged: each had too few closed deals .*\.$/)
  })

  it('says which months were judged when only an earlier month shown had limits that leave out some rate', () => {
    const report = winrateReport(data(1, 0), { asOf: '2024-07-20', months: 3 })
    expect(report.findings[0]?.text).toMatch(/too few to judge: .*; no month since May 2024 is outside its limits\.$/)
  })

  it('keeps "within the normal range" when some rate would have been outside the limits', () => {
    const report = winrateReport(data(20, 9), { asOf: '2024-07-20' })
    expect(report.findings[0]?.text).toMatch(/^Jun 2024's win rate of 45% is within the normal range of \d+%-\d+% for 20 closed deals/)
  })
})

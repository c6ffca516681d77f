import { describe, expect, it } from 'vitest'
import type { WinrateMonth } from '../../src/analytics/report-types.js'
import type { SummaryInputs } from '../../src/analytics/summarize-findings.js'
import { summarizeFindings } from '../../src/analytics/summarize-findings.js'
import { winrateReport } from '../../src/analytics/winrate-report.js'
import { monthRange } from '../../src/domain/dates.js'
import { winrateMonth } from '../helpers/winrate-month.js'

function inputs(months: WinrateMonth[]): SummaryInputs {
  const empty = { findings: [] }
  return {
    winrate: { asOf: '2026-06-30', where: {}, months, findings: [], runSignals: [], openPipeline: { count: 0, amount: 0 } },
    losses: empty,
    funnel: empty,
    drivers: { ...empty, segments: [], overallWinRate: 0.35 },
    stalled: empty,
  } as unknown as SummaryInputs
}

describe('summarizeFindings, several months outside their limits', () => {
  // The demo's months: each has its own limits (its own n). March's 26.0% is below its 26.1% limit,
  // April's 26%-44%, May's 26.2%-43% (26% once the rate no longer needs the decimal).
  const march = winrateMonth('2026-03', 71, 202, 0.26076, 0.43364, 'low')
  const april = winrateMonth('2026-04', 57, 191, 0.25651, 0.43789, 'low')
  const may = winrateMonth('2026-05', 54, 226, 0.26185, 0.43255, 'low')

  it("states each month's own limits, as that month's finding and table row state them", () => {
    const { sentences } = summarizeFindings(inputs([march, april, may]), { asOf: '2026-06-30' })
    expect(sentences[0]).toContain(
      'in Mar 2026, Apr 2026 and May 2026: 26.0%, 23% and 19% vs a baseline of 35% (limits 26.1%-43%, 26%-44% and 26%-43%; 801 closed deals).',
    )
  })

  it('keeps each limit with its own month, whichever order they come in', () => {
    const { sentences } = summarizeFindings(inputs([may, march, { ...april, month: '2026-06' }]), { asOf: '2026-07-30' })
    expect(sentences[0]).toContain(
      'in May 2026, Mar 2026 and Jun 2026: 19%, 26.0% and 23% vs a baseline of 35% (limits 26%-43%, 26.1%-43% and 26%-44%;',
    )
  })

  it('states one range when every month reads the same limits', () => {
    const a = winrateMonth('2026-04', 50, 200, 0.26, 0.44, 'low')
    const b = winrateMonth('2026-05', 45, 205, 0.26, 0.44, 'low')
    const { sentences } = summarizeFindings(inputs([a, b]), { asOf: '2026-06-30' })
    expect(sentences[0]).toContain('in Apr 2026 and May 2026: 20% and 18% vs a baseline of 35% (limits 26%-44%; 500 closed deals).')
  })

  it('names each baseline when the months were judged against different ones', () => {
    const a = winrateMonth('2026-03', 50, 200, 0.26, 0.44, 'low')
    const b = { ...winrateMonth('2026-05', 40, 210, 0.24, 0.42, 'low'), center: 0.33 }
    const { sentences } = summarizeFindings(inputs([a, b]), { asOf: '2026-06-30' })
    expect(sentences[0]).toContain('20% and 16% vs baselines of 35% and 33% (limits 26%-44% and 24%-42%;')
  })

  it('does the same above the range', () => {
    const a = winrateMonth('2026-03', 119, 154, 0.26, 0.4352, 'high')
    const b = winrateMonth('2026-04', 125, 123, 0.2565, 0.4379, 'high')
    const { sentences } = summarizeFindings(inputs([a, b]), { asOf: '2026-06-30' })
    expect(sentences[0]).toContain('in Mar 2026 and Apr 2026: 43.6% and 50% vs a baseline of 35% (limits 26%-43.5% and 26%-44%;')
  })

  it("matches the win-rate report's own findings month by month", () => {
    // 14 complete months at 35% on 250 closed deals, then three months below with different n.
    const outcomes = [
      ...monthRange('2025-01', '2026-02').map((month) => ({ month, won: 88, lost: 162, wonAmount: 0, lostAmount: 0 })),
      { month: '2026-03', won: 71, lost: 202, wonAmount: 0, lostAmount: 0 },
      { month: '2026-04', won: 57, lost: 191, wonAmount: 0, lostAmount: 0 },
      { month: '2026-05', won: 54, lost: 226, wonAmount: 0, lostAmount: 0 },
      { month: '2026-06', won: 52, lost: 214, wonAmount: 0, lostAmount: 0 },
    ]
    const winrate = winrateReport({ outcomes, created: [] }, { asOf: '2026-06-30', months: 12 })
    const own = winrate.findings
      .filter((f) => f.significant)
      .map((f) => /of ([\d.]+%) .* range of ([\d.]+%-[\d.]+%)/.exec(f.text)?.slice(1))
    expect(own).toHaveLength(3)
    const ranges = new Set(own.map((o) => o?.[1]))
    expect(ranges.size).toBeGreaterThan(1)
    const { sentences } = summarizeFindings({ ...inputs([]), winrate }, { asOf: '2026-06-30' })
    const [, rates, limits] = /: (.*) vs a baseline of [\d.]+% \(limits (.*);/.exec(sentences[0] as string) ?? []
    expect(rates?.split(/, | and /)).toEqual(own.map((o) => o?.[0]))
    expect(limits?.split(/, | and /)).toEqual(own.map((o) => o?.[1]))
  })
})

describe('summarizeFindings, months outside their limits on both sides', () => {
  it('states the month above its range as well as the months below it', () => {
    const jan = winrateMonth('2026-01', 150, 100, 0.26, 0.44, 'high')
    const apr = winrateMonth('2026-04', 40, 210, 0.26, 0.44, 'low')
    const may = winrateMonth('2026-05', 45, 205, 0.26, 0.44, 'low')
    const { sentences } = summarizeFindings(inputs([jan, apr, may]), { asOf: '2026-06-30' })
    expect(sentences[0]).toMatch(/^Win rate was below its normal range in Apr 2026 and May 2026: 16% and 18% vs/)
    expect(sentences[1]).toMatch(/^Win rate was above its normal range in Jan 2026: 60% vs/)
  })
})

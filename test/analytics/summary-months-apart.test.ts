import { describe, expect, it } from 'vitest'
import type { WinrateMonth } from '../../src/analytics/report-types.js'
import type { SummaryInputs } from '../../src/analytics/summarize-findings.js'
import { summarizeFindings } from '../../src/analytics/summarize-findings.js'
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
  // May's limit is 26.2%: "26%, 23% and 19% vs ... (limits 26%-43%)" read as 26% being below 26%.
  const march = winrateMonth('2026-03', 71, 202, 0.26076, 0.43364, 'low')
  const april = winrateMonth('2026-04', 57, 191, 0.25651, 0.43789, 'low')
  const may = winrateMonth('2026-05', 54, 226, 0.26185, 0.43255, 'low')

  it('never writes a listed rate that reads as equal to the limit it is said to be beyond', () => {
    const { sentences } = summarizeFindings(inputs([march, april, may]), { asOf: '2026-06-30' })
    expect(sentences[0]).toContain('in Mar 2026, Apr 2026 and May 2026: 26.0%, 23% and 19% vs a baseline of 35% (limits 26.2%-43%;')
  })

  it('states limits every listed rate is beyond, whichever month comes last', () => {
    const { sentences } = summarizeFindings(inputs([may, march, { ...april, month: '2026-06' }]), { asOf: '2026-07-30' })
    const [, limit] = /\(limits ([\d.]+)%-/.exec(sentences[0] as string) ?? []
    const rates = [...(sentences[0] as string).matchAll(/([\d.]+)%(?:,| and| vs)/g)].map((m) => Number(m[1]))
    expect(rates.slice(0, 3)).toEqual([19, 26.0, 23])
    for (const rate of rates.slice(0, 3)) expect(rate).toBeLessThan(Number(limit))
  })

  it('does the same above the range', () => {
    const a = winrateMonth('2026-03', 119, 154, 0.26, 0.4352, 'high')
    const b = winrateMonth('2026-04', 125, 123, 0.2565, 0.4379, 'high')
    const { sentences } = summarizeFindings(inputs([a, b]), { asOf: '2026-06-30' })
    expect(sentences[0]).toContain('in Mar 2026 and Apr 2026: 43.6% and 50% vs a baseline of 35% (limits 26%-43.5%;')
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

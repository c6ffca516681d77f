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

const within = (m: string, won: number) => winrateMonth(m, won, 200 - won, 0.25, 0.45, null)
const q = { asOf: '2026-06-30' }

describe('summarizeFindings, an old month outside its limits', () => {
  it('says the months since are back within their limits, so an old low month is not read as a current problem', () => {
    const low = winrateMonth('2025-07', 30, 170, 0.25, 0.45, 'low')
    const later = ['2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05'].map(
      (m, i) => within(m, 62 + i),
    )
    const partial = { ...within('2026-06', 20), partial: true }
    const { sentences } = summarizeFindings(inputs([low, ...later, partial]), q)
    expect(sentences[0]).toBe(
      'Win rate was below its normal range in Jul 2025: 15% vs a baseline of 35% (limits 25%-45%; 200 closed deals); the 10 months since are within their limits (May 2026: 36%, range 25%-45%).',
    )
  })

  it('says so for one month since, in the singular', () => {
    const low = winrateMonth('2026-04', 30, 170, 0.25, 0.45, 'low')
    const { sentences } = summarizeFindings(inputs([low, within('2026-05', 60)]), q)
    expect(sentences[0]).toMatch(/; the month since is within its limits \(May 2026: 30%, range 25%-45%\)\.$/)
  })

  it('adds nothing when the flagged month is the latest complete one', () => {
    const low = winrateMonth('2026-05', 30, 170, 0.25, 0.45, 'low')
    const partial = { ...within('2026-06', 20), partial: true }
    const { sentences } = summarizeFindings(inputs([within('2026-04', 60), low, partial]), q)
    expect(sentences[0]).not.toContain('since')
  })

  it('adds nothing when a later month is outside its limits on the other side, or was not judged', () => {
    const low = winrateMonth('2026-03', 30, 170, 0.25, 0.45, 'low')
    const high = winrateMonth('2026-05', 100, 100, 0.25, 0.45, 'high')
    const low2 = summarizeFindings(inputs([low, within('2026-04', 60), high]), q).sentences
    expect(low2.find((t) => t.includes('below'))).not.toContain('within their limits')
    const empty = { ...within('2026-05', 0), won: 0, lost: 0, n: 0, winRate: null }
    const unjudged = summarizeFindings(inputs([low, within('2026-04', 60), empty]), q).sentences
    expect(unjudged[0]).not.toContain('within')
  })
})

describe('summarizeFindings, months outside their limits on both sides', () => {
  it('leads with the side flagged most recently, though the other side has more months', () => {
    const jul = winrateMonth('2025-07', 120, 80, 0.25, 0.45, 'high')
    const aug = winrateMonth('2025-08', 118, 82, 0.25, 0.45, 'high')
    const between = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04'].map((m) => within(m, 70))
    const may = winrateMonth('2026-05', 30, 170, 0.25, 0.45, 'low')
    const { sentences } = summarizeFindings(inputs([jul, aug, ...between, may]), q)
    expect(sentences[0]).toMatch(/^Win rate was below its normal range in May 2026: 15% vs/)
    // The old months above their range: not read as today's state, and not said to be back in range either (May is not).
    expect(sentences[1]).toMatch(/^Win rate was above its normal range in Jul 2025 and Aug 2025: /)
    expect(sentences[1]).not.toContain('within their limits')
  })
})

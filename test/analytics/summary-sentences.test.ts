import { describe, expect, it } from 'vitest'
import type { SummaryInputs } from '../../src/analytics/summarize-findings.js'
import { summarizeFindings } from '../../src/analytics/summarize-findings.js'

/** A month as the win-rate report gives it; only what the summary reads matters here. */
function month(m: string, won: number, lost: number, judged: { center: number; lcl: number; ucl: number; anomaly: 'low' | 'high' | null }) {
  return {
    month: m,
    won,
    lost,
    winRate: won / (won + lost),
    partial: false,
    n: won + lost,
    limitMethod: 'binomial',
    baselineFrom: '2023-06',
    baselineTo: '2024-05',
    baselineN: 1200,
    created: 100,
    ...judged,
  }
}

function inputs(months: ReturnType<typeof month>[]): SummaryInputs {
  const empty = { findings: [] }
  return {
    winrate: { asOf: '2024-07-20', where: {}, months, findings: [], runSignals: [], openPipeline: { count: 0, amount: 0 } },
    losses: empty,
    funnel: empty,
    drivers: { ...empty, segments: [], overallWinRate: 0.35 },
    stalled: empty,
  } as unknown as SummaryInputs
}

describe('summarizeFindings', () => {
  it('writes a flagged month that rounds to its limit with the decimals that tell them apart', () => {
    const june = month('2024-06', 2604, 7396, { center: 0.35, lcl: 0.2631, ucl: 0.4369, anomaly: 'low' })
    const { sentences } = summarizeFindings(inputs([june]), { asOf: '2024-07-20' })
    expect(sentences[0]).toContain('in Jun 2024: 26.0% vs a baseline of 35% (limits 26.3%-44%')
  })

  it('keeps whole percents when they already differ', () => {
    const june = month('2024-06', 19, 81, { center: 0.35, lcl: 0.26, ucl: 0.44, anomaly: 'low' })
    const { sentences } = summarizeFindings(inputs([june]), { asOf: '2024-07-20' })
    expect(sentences[0]).toContain('in Jun 2024: 19% vs a baseline of 35% (limits 26%-44%')
  })
})

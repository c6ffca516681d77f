import { describe, expect, it } from 'vitest'
import { summaryText } from '../../src/analytics/report-text.js'
import type { Finding } from '../../src/analytics/report-types.js'
import type { SummaryInputs } from '../../src/analytics/summarize-findings.js'
import { summarizeFindings } from '../../src/analytics/summarize-findings.js'

/** A complete month as the win-rate report gives it; only what the summary reads matters here. */
function month(m: string, won: number, lost: number, anomaly: 'low' | 'high' | null) {
  return {
    month: m,
    won,
    lost,
    winRate: won / (won + lost),
    partial: false,
    n: won + lost,
    center: 0.35,
    lcl: 0.26,
    ucl: 0.44,
    anomaly,
    limitMethod: 'binomial',
    baselineFrom: '2023-06',
    baselineTo: '2024-05',
    baselineN: 1200,
    created: 100,
  }
}

const finding = (report: Finding['report'], key: string, significant: boolean): Finding => ({ report, key, significant, text: `${key}.` })

/** Both sides of the limits, volume, `leaks` leaking stages, stalled deals and zombie pipeline, a driver note and a run signal. */
function inputs(leaks: number): SummaryInputs {
  return {
    winrate: {
      asOf: '2024-07-20',
      where: {},
      months: [month('2024-04', 60, 40, 'high'), month('2024-05', 35, 65, null), month('2024-06', 15, 85, 'low')],
      findings: [finding('volume', 'volume_context:2024-06', false), finding('winrate', 'winrate_run_low:2024-06', false)],
      runSignals: [],
      openPipeline: { count: 0, amount: 0 },
    },
    losses: { findings: [] },
    funnel: { findings: Array.from({ length: leaks }, (_, i) => finding('funnel', `funnel_leak:Stage${i}`, true)) },
    drivers: { findings: [finding('drivers', 'drivers_none', false)], segments: [], overallWinRate: 0.35 },
    stalled: { findings: [finding('stalled', 'stalled_deals', true), finding('stalled', 'stale_pipeline', true)] },
  } as unknown as SummaryInputs
}

describe('summarizeFindings when there are more findings than places', () => {
  it('keeps the eight findings to act on first, in order, then says how many more there are and which reports state them', () => {
    const s = summarizeFindings(inputs(3), { asOf: '2024-07-20' })
    // 2 sides + 3 leaks + stalled + zombie = 7 to act on, then volume; the driver note and the run signal are left out.
    expect(s.findings.slice(0, 8).map((f) => f.key)).toEqual([
      'winrate_low:2024-06',
      'winrate_high:2024-04',
      'volume_context:2024-06',
      'funnel_leak:Stage0',
      'funnel_leak:Stage1',
      'funnel_leak:Stage2',
      'stalled_deals',
      'stale_pipeline',
    ])
    expect(s.findings[8]).toEqual({
      report: 'summary',
      key: 'summary_more',
      significant: false,
      text: '2 more findings are left out here: see pulse report drivers and pulse report winrate.',
    })
    expect(s.findings).toHaveLength(9)
    expect(s.sentences[8]).toBe(s.findings[8]?.text)
    expect(summaryText(s)).toContain('\n- 2 more findings are left out here')
  })

  it('leaves context out before any finding to act on', () => {
    const s = summarizeFindings(inputs(5), { asOf: '2024-07-20' })
    // 2 sides + 5 leaks + stalled + zombie = 9 to act on: the zombie pipeline is left out, with volume and the rest.
    expect(s.findings.filter((f) => f.significant)).toHaveLength(8)
    expect(s.findings.map((f) => f.key)).not.toContain('volume_context:2024-06')
    expect(s.findings.at(-1)?.text).toBe(
      '4 more findings are left out here: see pulse report winrate, pulse report stalled and pulse report drivers.',
    )
  })

  it('adds no note when every finding fits', () => {
    const s = summarizeFindings(inputs(1), { asOf: '2024-07-20' })
    expect(s.findings).toHaveLength(8)
    expect(s.findings.map((f) => f.key)).not.toContain('summary_more')
    expect(s.findings.at(-1)?.key).toBe('winrate_run_low:2024-06')
  })
})

import { describe, expect, it } from 'vitest'
import { funnelReport } from '../../src/analytics/funnel-report.js'
import { funnelChart } from '../../src/charts/funnel-chart.js'
import type { FunnelCountRow } from '../../src/db/find-funnel-counts.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], wonStage: 'Closed' }
const q = { asOf: '2024-07-20' }
const lost = (stage: string, n: number): FunnelCountRow => ({ outcome: 'lost', stage, furthest: null, n })
const won = (n: number): FunnelCountRow => ({ outcome: 'won', stage: null, furthest: null, n })

describe('funnel with a handful of lost deals', () => {
  it('says there are too few losses to tell, rather than that no stage leaks', () => {
    const report = funnelReport([won(1), lost('Demo', 1), { outcome: 'open', stage: 'Proposal', furthest: null, n: 1 }], context, false, q)
    expect(report.findings.map((f) => [f.significant, f.text])).toEqual([
      [
        false,
        'Only one lost deal: too few to tell a leaking stage from chance (highest leakage: Demo, 33% of the deals reaching it lost).',
      ],
    ])
    expect(funnelChart(report).title).toBe('Too few lost deals to tell a leaking stage (highest: Demo, 33% of deals reaching it are lost)')
    expect(funnelReport([won(40), lost('Negotiation', 2)], context, false, q).findings[0]!.text).toMatch(/^Too few lost deals \(2\)/)
  })

  it('keeps "no stage leaks" once the losses could show a leak', () => {
    const report = funnelReport([won(40), lost('Qualified', 1), lost('Demo', 1), lost('Proposal', 2)], context, false, q)
    expect(report.findings[0]!.text).toMatch(/^No stage leaks significantly more than the others/)
  })

  it('calls no leak from 3 losses at one of four stages: exactly, P = 1/64 (doubled, x4 stages) is not significant', () => {
    // 100 deals open at Proposal, 1 won, 3 lost at Negotiation: a normal approximation gave q = 0.011.
    const rows: FunnelCountRow[] = [won(1), lost('Negotiation', 3), { outcome: 'open', stage: 'Proposal', furthest: null, n: 100 }]
    const report = funnelReport(rows, context, false, q)
    expect(report.findings.map((f) => [f.significant, f.text])).toEqual([
      [
        false,
        'Too few lost deals (3) to tell a leaking stage from chance: even all of them at one stage would not be significant (highest leakage: Negotiation, 75% of the deals reaching it lost).',
      ],
    ])
    // With 6 of them there, the same stage is a leak.
    const six = funnelReport(
      [won(1), lost('Negotiation', 6), { outcome: 'open', stage: 'Proposal', furthest: null, n: 100 }],
      context,
      false,
      q,
    )
    expect(six.findings[0]).toMatchObject({ significant: true, key: 'funnel_leak:Negotiation' })
  })
})

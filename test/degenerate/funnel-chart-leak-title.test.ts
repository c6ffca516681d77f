import { describe, expect, it } from 'vitest'
import { funnelReport } from '../../src/analytics/funnel-report.js'
import { funnelChart } from '../../src/charts/funnel-chart.js'
import type { FunnelCountRow } from '../../src/db/find-funnel-counts.js'
import { mainRows } from '../charts/spec-helpers.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], wonStage: 'Closed' }
const lost = (stage: string, n: number): FunnelCountRow => ({ outcome: 'lost', stage, furthest: null, n })

describe('funnel chart title when the leak found is not the stage with the highest leakage', () => {
  // 818 deals: 60 lost at Qualified, 83 at Demo, 150 at Proposal (where 300 more still sit), 73 at
  // Negotiation, 152 won. Proposal loses 40% of its decided deals and holds 41% of the losses: the
  // leak the report names. Negotiation loses the largest share of all deals reaching it (32%
  // against Proposal's 22%, whose open deals count as reaching it), but under an even share of losses.
  const report = funnelReport(
    [
      lost('Qualified', 60),
      lost('Demo', 83),
      lost('Proposal', 150),
      { outcome: 'open', stage: 'Proposal', furthest: null, n: 300 },
      lost('Negotiation', 73),
      { outcome: 'won', stage: null, furthest: null, n: 152 },
    ],
    context,
    false,
    { asOf: '2024-07-20' },
  )

  it('names and marks the stage the report calls a leak', () => {
    expect(report.topLeak).toBe('Negotiation')
    expect(report.findings.filter((f) => f.significant).map((f) => f.key)).toEqual(['funnel_leak:Proposal'])
    const chart = funnelChart(report)
    expect(chart.title).toBe('Proposal is where deals leak: 22% of deals reaching it are lost')
    expect(
      mainRows(chart.spec)
        .filter((r: { topLeak: boolean }) => r.topLeak)
        .map((r: { stage: string }) => r.stage),
    ).toEqual(['Proposal'])
  })
})

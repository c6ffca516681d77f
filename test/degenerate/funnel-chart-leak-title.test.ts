import { describe, expect, it } from 'vitest'
import { funnelReport } from '../../src/analytics/funnel-report.js'
import { funnelChart } from '../../src/charts/funnel-chart.js'
import type { FunnelCountRow } from '../../src/db/funnel-counts.js'
import { mainRows } from '../charts/spec-helpers.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], wonStage: 'Closed' }
const lost = (stage: string, n: number): FunnelCountRow => ({ outcome: 'lost', stage, furthest: null, n })

describe('funnel chart title when the leak found is not the stage with the highest leakage', () => {
  // 400 deals: none lost at Qualified, 83 at Demo, 92 at Proposal, 73 at Negotiation, 152 won.
  // Proposal holds more than an even share of the losses and is the leak the report names;
  // Negotiation loses a larger share of the fewer deals reaching it.
  const report = funnelReport(
    [lost('Demo', 83), lost('Proposal', 92), lost('Negotiation', 73), { outcome: 'won', stage: null, furthest: null, n: 152 }],
    context,
    false,
    { asOf: '2024-07-20' },
  )

  it('names and marks the stage the report calls a leak', () => {
    expect(report.topLeak).toBe('Negotiation')
    expect(report.findings.filter((f) => f.significant).map((f) => f.key)).toEqual(['funnel_leak:Proposal'])
    const chart = funnelChart(report)
    expect(chart.title).toBe('Proposal is where deals leak: 29% of deals reaching it are lost')
    expect(
      mainRows(chart.spec)
        .filter((r: { topLeak: boolean }) => r.topLeak)
        .map((r: { stage: string }) => r.stage),
    ).toEqual(['Proposal'])
  })
})

import { describe, expect, it } from 'vitest'
import type { FunnelReport } from '../../src/analytics/report-types.js'
import { funnelChart } from '../../src/charts/funnel-chart.js'

/** Three deals (one won, one lost at Demo, one open at Proposal): the funnel of `report funnel` on them. */
const tiny: FunnelReport = {
  asOf: '2024-07-20',
  where: {},
  stages: [
    ['Qualified', 3, 3, 0, 0],
    ['Demo', 3, 2, 1, 0],
    ['Proposal', 2, 1, 0, 1],
    ['Negotiation', 1, 1, 0, 0],
    ['Closed', 1, 1, 0, 0],
  ].map(([stage, reached, advanced, lost, open]) => ({
    stage: stage as string,
    reached: reached as number,
    advanced: advanced as number,
    conversion: (advanced as number) / (reached as number),
    lost: lost as number,
    leakage: (lost as number) / (reached as number),
    open: open as number,
    decidedConversion: null,
  })),
  source: 'stage_at_close',
  sourceNote: 'From each deal’s stage at close.',
  topLeak: 'Demo',
  findings: [
    {
      report: 'funnel',
      key: 'funnel_no_leak',
      significant: false,
      text: 'No stage leaks significantly more than the others once each stage’s share of the deals reaching it is accounted for (highest leakage: Demo).',
    },
  ],
}

describe('funnel chart title when no stage leaks significantly more than the others', () => {
  it('does not name a stage as the one that "leaks the most" as if it were a finding', () => {
    const { title } = funnelChart(tiny)
    expect(title).not.toMatch(/leaks the most/)
    expect(title).toBe('No stage leaks significantly more than the others (highest: Demo, 33% of deals reaching it are lost)')
  })
})

import { describe, expect, it } from 'vitest'
import { funnelReport } from '../../src/analytics/funnel-report.js'
import { funnelChart } from '../../src/charts/funnel-chart.js'
import type { FunnelCountRow } from '../../src/db/find-funnel-counts.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], wonStage: 'Closed' }

describe('funnel when every lost deal names a stage outside the open stages', () => {
  it('does not say "No stage loses deals yet" while the lost deals were only left out', () => {
    const rows = [
      { outcome: 'won', stage: null, furthest: null, n: 102 },
      { outcome: 'lost', stage: '<b>Proposal</b>', furthest: null, n: 130 },
      { outcome: 'open', stage: '商談 🚀', furthest: null, n: 68 },
    ] as unknown as FunnelCountRow[]
    const r = funnelReport(rows, context, false, { asOf: '2024-07-20' })
    expect(r.unplaced).toBe(198)
    const { title } = funnelChart(r)
    expect(title).not.toMatch(/No stage loses deals/)
    expect(title).toBe('198 lost or open deals are left out of the funnel: their stage is not an open one, or not on record')
  })

  it('says it in the singular for one deal left out', () => {
    const rows = [
      { outcome: 'won', stage: null, furthest: null, n: 3 },
      { outcome: 'lost', stage: 'Closed Lost', furthest: null, n: 1 },
    ] as unknown as FunnelCountRow[]
    const r = funnelReport(rows, context, false, { asOf: '2024-07-20' })
    expect(funnelChart(r).title).toBe('1 lost or open deal is left out of the funnel: its stage is not an open one, or not on record')
    expect(r.sourceNote).toContain(' 1 lost or open deal is left out: the stage it sat at is not one of the open stages')
  })
})

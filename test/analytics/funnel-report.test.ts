import { describe, expect, it } from 'vitest'
import { funnelReport } from '../../src/analytics/funnel-report.js'
import type { FunnelCountRow } from '../../src/db/find-funnel-counts.js'

const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation']
const context = { openStages: STAGES, wonStage: 'Closed' }

/** 1,000 deals walking the stages, each stage losing `hazards[i]` of those reaching it; the rest win. */
function walk(hazards: readonly number[]): FunnelCountRow[] {
  let n = 1000
  const rows: FunnelCountRow[] = []
  for (const [i, stage] of STAGES.entries()) {
    const lost = Math.round(n * (hazards[i] as number))
    if (lost > 0) rows.push({ outcome: 'lost', stage, furthest: null, n: lost })
    n -= lost
  }
  rows.push({ outcome: 'won', stage: null, furthest: null, n })
  return rows
}

const leaks = (hazards: readonly number[]) =>
  funnelReport(walk(hazards), context, false, { asOf: '2024-07-01' })
    .findings.filter((f) => f.significant)
    .map((f) => f.key)

describe('funnelReport leak findings', () => {
  it('names no leak when the stages that lose deals all lose the same share, though one stage never loses', () => {
    expect(leaks([0, 0.2, 0.2, 0.2])).toEqual([])
    expect(leaks([0.01, 0.2, 0.2, 0.2])).toEqual([])
  })

  it('names the stage that loses more than the others, with or without a stage that never loses', () => {
    expect(leaks([0, 0.2, 0.2, 0.4])).toEqual(['funnel_leak:Negotiation'])
    expect(leaks([0.1, 0.1, 0.1, 0.3])).toEqual(['funnel_leak:Negotiation'])
  })

  it('names both of two stages that lose more than the other two', () => {
    expect(leaks([0.05, 0.4, 0.4, 0.05])).toEqual(['funnel_leak:Demo', 'funnel_leak:Proposal'])
  })
})

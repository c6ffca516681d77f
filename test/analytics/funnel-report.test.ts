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

describe('funnelReport "highest leakage" words', () => {
  it('names the stage losing the largest share of its decided deals too when it is not the one with the highest leakage', () => {
    // Proposal: 25 lost of 340 reaching it (7%), but 200 of them are still open there, so 25 of 140 decided (18%).
    const rows: FunnelCountRow[] = [
      { outcome: 'lost', stage: 'Qualified', furthest: null, n: 20 },
      { outcome: 'lost', stage: 'Demo', furthest: null, n: 22 },
      { outcome: 'lost', stage: 'Proposal', furthest: null, n: 25 },
      { outcome: 'open', stage: 'Proposal', furthest: null, n: 200 },
      { outcome: 'lost', stage: 'Negotiation', furthest: null, n: 15 },
      { outcome: 'won', stage: null, furthest: null, n: 100 },
    ]
    const r = funnelReport(rows, context, false, { asOf: '2024-07-01' })
    expect(r.topLeak).toBe('Negotiation')
    expect(r.findings.map((f) => f.key)).toEqual(['funnel_no_leak'])
    expect(r.findings[0]?.text).toContain(
      '(highest leakage: Negotiation, 13% of the deals reaching it lost; highest share of decided deals lost: Proposal, 18%).',
    )
  })

  it('names one stage, with its leakage, when both measures agree', () => {
    const r = funnelReport(walk([0.1, 0.1, 0.1, 0.12]), context, false, { asOf: '2024-07-01' })
    expect(r.findings.map((f) => f.key)).toEqual(['funnel_no_leak'])
    expect(r.findings[0]?.text).toMatch(/\(highest leakage: Negotiation, 12% of the deals reaching it lost\)\.$/)
  })
})

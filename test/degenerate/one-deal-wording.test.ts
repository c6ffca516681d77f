import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import { driversText, stalledText } from '../../src/analytics/report-text.js'
import type { ReportQuery, StalledReport } from '../../src/analytics/report-types.js'

describe('one stalled deal', () => {
  it('is counted in the singular', () => {
    const report = {
      asOf: '2025-07-12',
      where: {},
      rules: { alertAmount: 50_000, idleDays: 14, staleDays: 90 },
      stalled: [],
      stalledCount: 1,
      stalledAmount: 80_000,
      overStageP90: [],
      overStageP90Count: 0,
      overStageP90Amount: 0,
      stageP90MinCompleted: 20,
      stagesWithoutP90: [],
      stale: { count: 0, amount: 0, closedCount: 0 },
      openCount: 3,
      openAmount: 120_000,
      findings: [],
    } as unknown as StalledReport
    expect(stalledText(report)).toContain('1 open deal of $50k+')
    expect(stalledText({ ...report, stalledCount: 2 })).toContain('2 open deals of $50k+')
  })

  it('past its stage p90 is counted in the singular', () => {
    const report = {
      asOf: '2025-07-12',
      where: {},
      rules: { alertAmount: 50_000, idleDays: 14, staleDays: 90 },
      stalled: [],
      stalledCount: 0,
      stalledAmount: 0,
      overStageP90: [],
      overStageP90Count: 1,
      overStageP90Amount: 80_000,
      stageP90MinCompleted: 20,
      stagesWithoutP90: [],
      stale: { count: 0, amount: 0, closedCount: 0 },
      openCount: 3,
      openAmount: 120_000,
      findings: [],
    } as unknown as StalledReport
    expect(stalledText(report)).toContain("Past their stage's p90 (still active, flagged separately): 1 deal, $80k")
    expect(stalledText({ ...report, overStageP90Count: 2 })).toContain('flagged separately): 2 deals, $80k')
  })
})

describe('drivers on one closed deal', () => {
  it('counts the deal in the singular', () => {
    const report = driversReport([{ fields: ['region'], values: ['EMEA'], won: 1, n: 1 }], { asOf: '2025-07-12', where: {} } as ReportQuery)
    expect(driversText(report)).toContain(': 1 closed deal, overall')
  })
})

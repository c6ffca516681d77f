import { describe, expect, it } from 'vitest'
import { stalledText } from '../../src/analytics/report-text.js'
import type { StalledReport } from '../../src/analytics/report-types.js'

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
      stale: { count: 0, amount: 0, closedCount: 0 },
      openCount: 3,
      openAmount: 120_000,
      findings: [],
    } as unknown as StalledReport
    expect(stalledText(report)).toContain('1 open deal of $50k+')
    expect(stalledText({ ...report, stalledCount: 2 })).toContain('2 open deals of $50k+')
  })
})

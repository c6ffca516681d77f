import { describe, expect, it } from 'vitest'
import type { LossesReport } from '../../src/analytics/report-types.js'
import { lossesBlocks } from '../../src/slack/blocks/report-blocks.js'

describe('/pulse answers for empty reports', () => {
  it('losses with nothing lost say so, without "n/a of losses"', () => {
    const report: LossesReport = {
      asOf: '2025-07-12',
      where: {},
      stages: [],
      totalLost: 0,
      totalLostAmount: 0,
      openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'],
      lateStages: ['Proposal', 'Negotiation'],
      lateStageShare: null,
      lateStageAmountShare: null,
      findings: [],
    }
    const text = JSON.stringify(lossesBlocks(report, 'everyone').blocks)
    expect(text).toContain('No lost deals')
    expect(text).not.toContain('n/a')
  })
})

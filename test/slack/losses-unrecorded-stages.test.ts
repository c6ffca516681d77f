import { describe, expect, it } from 'vitest'
import { lateStageShareWords } from '../../src/analytics/report-text.js'
import type { LossesReport, LossStage } from '../../src/analytics/report-types.js'
import { lossesBlocks } from '../../src/slack/blocks/report-blocks.js'

// A CSV export that writes `Closed` as every lost deal's stage records no stage the deals were
// lost at: the late-stage share is then not known, and over the recorded ones when some are.
const stage = (name: string, lost: number, openStage: boolean, lateStage = false): LossStage =>
  ({ stage: name, lost, lostAmount: lost * 10_000, share: 0, amountShare: 0, meanDaysSpent: null, lateStage, openStage }) as LossStage

const report = (stages: LossStage[], share: number | null): LossesReport => ({
  asOf: '2025-07-12',
  where: {},
  stages,
  totalLost: stages.reduce((n, s) => n + s.lost, 0),
  totalLostAmount: stages.reduce((n, s) => n + s.lostAmount, 0),
  openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'],
  lateStages: ['Proposal', 'Negotiation'],
  lateStageShare: share,
  lateStageAmountShare: share,
  findings: [],
})

describe('/pulse losses when lost deals do not record their stage', () => {
  it('says the late-stage share is not known, not that there are no lost deals', () => {
    const text = JSON.stringify(lossesBlocks(report([stage('Closed', 40, false)], null), 'everyone').blocks)
    expect(text).not.toContain('No lost deals')
    expect(text).toContain('not known')
    expect(text).toContain('40 lost deals')
  })

  it('gives the share over the lost deals whose stage is recorded', () => {
    const r = report([stage('Closed', 30, false), stage('Negotiation', 6, true, true), stage('Demo', 4, true)], 0.6)
    const text = JSON.stringify(lossesBlocks(r, 'everyone').blocks)
    expect(text).toContain('60% of the 10 lost deals whose stage is recorded')
    expect(text).not.toContain('of losses')
    expect(lateStageShareWords(r)).toContain('whose stage is recorded')
  })
})

import { describe, expect, it } from 'vitest'
import { lossesReport } from '../../src/analytics/losses-report.js'
import { lossesText } from '../../src/analytics/report-text.js'
import { lossesChart } from '../../src/charts/losses-chart.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], lateStages: ['Proposal', 'Negotiation'] }
const query = { asOf: '2024-07-20' }

describe('losses report when lost deals do not record the stage they were lost at', () => {
  it('states no late-stage share when no lost deal names an open stage, instead of "no deals were lost late"', () => {
    const r = lossesReport([{ stage: 'Closed', lost: 40, lostAmount: 400_000, daysSpent: 800 }], context, query)
    expect(r.lateStageShare).toBeNull()
    expect(r.lateStageAmountShare).toBeNull()
    expect(r.findings.map((f) => f.key)).toEqual(['losses_stage_not_recorded'])
    expect(lossesChart(r).title).not.toMatch(/lost late/)
    expect(lossesText(r)).not.toMatch(/0% of lost deals/)
  })

  it('takes the late-stage share over the lost deals whose stage is recorded, and says so', () => {
    const r = lossesReport(
      [
        { stage: 'Closed', lost: 20, lostAmount: 200_000, daysSpent: 400 },
        { stage: 'Proposal', lost: 40, lostAmount: 400_000, daysSpent: 800 },
        { stage: 'Demo', lost: 40, lostAmount: 400_000, daysSpent: 800 },
      ],
      context,
      query,
    )
    expect(r.lateStageShare).toBeCloseTo(0.5, 12)
    expect(r.lateStageAmountShare).toBeCloseTo(0.5, 12)
    const late = r.findings.find((f) => f.key === 'losses_late_share')!
    expect(late.text).toMatch(/^50% of the 80 lost deals whose stage is recorded/)
    expect(lossesText(r)).toMatch(/50% of the 80 lost deals whose stage is recorded/)
    expect(lossesChart(r).title).toBe('50% of the lost deals with a recorded stage ($400k) were lost late, at Proposal or Negotiation')
  })

  it('keeps the plain wording when every lost deal records its stage', () => {
    const r = lossesReport(
      [
        { stage: 'Proposal', lost: 1, lostAmount: 10, daysSpent: 1 },
        { stage: 'Demo', lost: 3, lostAmount: 30, daysSpent: 1 },
      ],
      context,
      query,
    )
    expect(r.lateStageShare).toBeCloseTo(0.25, 12)
    expect(r.findings[0]!.text).toMatch(/^25% of lost deals \(/)
  })

  it('says that none was lost late rather than "0% of lost deals ($0) ... after 0 deal-days"', () => {
    const r = lossesReport([{ stage: 'Demo', lost: 66, lostAmount: 4_000_000, daysSpent: 900 }], context, query)
    expect(r.lateStageShare).toBe(0)
    expect(r.findings.map((f) => f.text)).toEqual(['None of the 66 lost deals was lost late, at Proposal or Negotiation.'])
  })
})

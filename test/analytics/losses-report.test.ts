import { describe, expect, it } from 'vitest'
import { lossesReport } from '../../src/analytics/losses-report.js'
import { reportContext } from '../../src/analytics/report-context.js'
import { lossesText } from '../../src/analytics/report-text.js'
import { renderReportChart } from '../../src/charts/render-report-chart.js'
import { lossesBlocks } from '../../src/slack/blocks/report-blocks.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], lateStages: ['Proposal', 'Negotiation'] }
const row = (stage: string, lost: number) => ({ stage, lost, lostAmount: lost * 1000, daysSpent: lost * 30 })

describe('lossesReport', () => {
  it('says when lost deals name a stage outside the open ones, and marks that stage', () => {
    const r = lossesReport([row('Demo', 60), row('Closed', 30), row('Negotiation', 10)], context, { asOf: '2024-07-20' })
    expect(r.stages.map((s) => [s.stage, s.openStage, s.lateStage])).toEqual([
      ['Demo', true, false],
      ['Closed', false, false],
      ['Negotiation', true, true],
    ])
    const note = r.findings.find((f) => f.key === 'losses_stage_not_recorded')
    expect(note?.text).toBe(
      '30 lost deals (30%) name Closed as the stage lost at, which is not one of the open stages (Qualified, Demo, Proposal, Negotiation): where they were really lost is not recorded.',
    )
    expect(note?.significant).toBe(false)
    expect(lossesText(r)).toContain('Closed (not an open stage)')
  })

  it('says it in the singular for one such deal', () => {
    const r = lossesReport([row('Demo', 99), row('Closed Lost', 1)], context, { asOf: '2024-07-20' })
    const text = r.findings.find((f) => f.key === 'losses_stage_not_recorded')?.text
    expect(text).toMatch(/^1 lost deal \([\d.]+%\) names Closed Lost as the stage lost at, /)
    expect(text).toMatch(/: where it was really lost is not recorded\.$/)
  })

  it('adds no such note when every lost deal names an open stage', () => {
    const r = lossesReport([row('Demo', 60), row('Negotiation', 10)], context, { asOf: '2024-07-20' })
    expect(r.findings.map((f) => f.key)).toEqual(['losses_late_share'])
  })
  it('calls no loss late with two open stages (every loss would be), in its findings, text, chart and Slack blocks', async () => {
    const two = reportContext({ asOf: '2024-07-20', stages: ['Discovery', 'Pitch', 'Closed Won'] }, [])
    const r = lossesReport([row('Discovery', 6), row('Pitch', 4)], two, { asOf: '2024-07-20' })
    expect([r.lateStages, r.lateStageShare, r.lateStageAmountShare]).toEqual([[], null, null])
    expect(r.stages.every((s) => !s.lateStage)).toBe(true)
    expect(r.findings.map((f) => f.key)).not.toContain('losses_late_share')
    expect(lossesText(r)).toContain('Late stages: none counted (with fewer than three open stages, no stage is late).')
    const slack = JSON.stringify(lossesBlocks(r, 'everyone'))
    expect(slack).toContain('Late stages: none counted')
    expect(slack).not.toMatch(/lost late|Late stages \(/)
    const chart = await renderReportChart('losses', r)
    expect(chart.title).not.toMatch(/late/)
  })

  it('lists stages losing as many deals by lost amount, largest first, then by name, in JSON, text and chart title', async () => {
    // The public file: Closed and Negotiation both lose 531 deals, $14.2M and $14.4M.
    const tie = [
      { stage: 'Closed', lost: 531, lostAmount: 14_200_000, daysSpent: 33_791 },
      { stage: 'Negotiation', lost: 531, lostAmount: 14_400_000, daysSpent: 33_864 },
      { stage: 'Demo', lost: 531, lostAmount: 14_400_000, daysSpent: 33_000 },
      { stage: 'Qualified', lost: 552, lostAmount: 14_000_000, daysSpent: 36_253 },
    ]
    const r = lossesReport(tie, context, { asOf: '2024-07-20' })
    expect(r.stages.map((s) => s.stage)).toEqual(['Qualified', 'Demo', 'Negotiation', 'Closed'])
    const lines = lossesText(r).split('\n')
    const at = (name: string) => lines.findIndex((l) => l.startsWith(name))
    expect(at('Demo')).toBeLessThan(at('Negotiation'))
    expect(at('Negotiation')).toBeLessThan(at('Closed'))
    // With two open stages the chart's title names the stage most deals are lost at: the tie goes to the larger amount.
    const two = reportContext({ asOf: '2024-07-20', stages: ['Discovery', 'Pitch', 'Closed Won'] }, [])
    const small = lossesReport(
      [
        { stage: 'Discovery', lost: 5, lostAmount: 5000, daysSpent: 50 },
        { stage: 'Pitch', lost: 5, lostAmount: 9000, daysSpent: 50 },
      ],
      two,
      { asOf: '2024-07-20' },
    )
    expect(small.stages[0]?.stage).toBe('Pitch')
    const chart = await renderReportChart('losses', small)
    expect(chart.title).toMatch(/^Most deals are lost at Pitch/)
  })
})

import { describe, expect, it } from 'vitest'
import { lossesReport } from '../../src/analytics/losses-report.js'
import { lossesText } from '../../src/analytics/report-text.js'
import { lossesChart } from '../../src/charts/losses-chart.js'
import { lossesBlocks } from '../../src/slack/blocks/report-blocks.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], lateStages: ['Proposal', 'Negotiation'] }
const query = { asOf: '2024-07-20' }

describe('losses report with little or nothing lost', () => {
  it('says plainly that nothing was lost, instead of an empty table and "n/a of lost deals"', () => {
    const text = lossesText(lossesReport([], context, query))
    expect(text).toContain('No lost deals in this period.')
    expect(text).not.toContain('n/a')
  })

  it('counts one lost deal in the singular, in the terminal and in Slack', () => {
    const r = lossesReport([{ stage: 'Demo', lost: 1, lostAmount: 5_000, daysSpent: 40 }], context, query)
    expect(r.findings.map((f) => f.text)).toEqual(['The one lost deal was not lost late, at Proposal or Negotiation.'])
    const slack = JSON.stringify(lossesBlocks(r, 'everyone'))
    expect(slack).toContain('1 lost deal,')
    expect(slack).not.toContain('1 lost deals')
  })

  it('gives no amount share when every lost deal was worth $0, instead of 0% at every stage', () => {
    const r = lossesReport(
      [
        { stage: 'Demo', lost: 20, lostAmount: 0, daysSpent: 280 },
        { stage: 'Proposal', lost: 20, lostAmount: 0, daysSpent: 280 },
      ],
      context,
      query,
    )
    expect(r.stages.map((s) => s.amountShare)).toEqual([null, null])
    const row = lossesText(r)
      .split('\n')
      .find((l) => l.startsWith('Demo'))!
    expect(row.split(/\s{2,}/)).toEqual(['Demo', '20', '50%', '$0', 'n/a', '14', '280'])
  })

  it('counts one lost deal in the singular in the chart and where the stage of the others is not recorded', () => {
    const one = lossesReport([{ stage: 'Demo', lost: 1, lostAmount: 5_000, daysSpent: 40 }], context, query)
    expect((lossesChart(one).spec as { title: { subtitle: string[] } }).title.subtitle.join(' ')).toContain('1 lost deal worth $5k.')
    const r = lossesReport(
      [
        { stage: 'Proposal', lost: 1, lostAmount: 5_000, daysSpent: 40 },
        { stage: 'Closed', lost: 9, lostAmount: 45_000, daysSpent: 360 },
      ],
      context,
      query,
    )
    expect(r.findings[0]!.text).toBe(
      'The one lost deal whose stage is recorded ($5k) was lost late, at Proposal, after 40 deal-days of work.',
    )
    expect(lossesText(r)).toContain('Late stages (Proposal, Negotiation): 100% of the one lost deal whose stage is recorded.')
    expect(lossesChart(r).title).toBe('The one lost deal with a recorded stage ($5k) was lost late, at Proposal')
    const late = lossesReport([{ stage: 'Negotiation', lost: 1, lostAmount: 7_000, daysSpent: 30 }], context, query)
    expect(late.findings.map((f) => f.text)).toEqual(['The one lost deal ($7k) was lost late, at Negotiation, after 30 deal-days of work.'])
    expect(lossesChart(late).title).toBe('The one lost deal ($7k) was lost late, at Negotiation')
  })
})

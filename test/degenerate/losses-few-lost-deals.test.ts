import { describe, expect, it } from 'vitest'
import { lossesReport } from '../../src/analytics/losses-report.js'
import { lossesText } from '../../src/analytics/report-text.js'
import { lossesBlocks } from '../../src/slack/blocks/report-blocks.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], lateStages: ['Proposal', 'Negotiation'] }
const query = { asOf: '2024-07-20' }

describe('losses report with no lost deal or only one', () => {
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
})

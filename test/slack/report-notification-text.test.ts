import { describe, expect, it } from 'vitest'
import type { Finding, FunnelReport, LossesReport } from '../../src/analytics/report-types.js'
import { funnelBlocks, lossesBlocks } from '../../src/slack/blocks/report-blocks.js'

// The top-level `text` of a /pulse answer is Slack mrkdwn too (the notification and the fallback):
// CRM stage names, findings and the filter a user typed must reach it escaped, as in the blocks.

const finding = (text: string): Finding => ({ report: 'losses', key: 'k', significant: true, text })

describe('/pulse answers: notification text', () => {
  it('losses: escapes the finding and the filter typed', () => {
    const report: LossesReport = {
      asOf: '2024-07-20',
      where: { region: 'R&D <EU>' },
      stages: [],
      totalLost: 0,
      totalLostAmount: 0,
      lateStages: [],
      lateStageShare: null,
      lateStageAmountShare: null,
      findings: [finding('Most losses at Legal <review> & pricing')],
    }
    const { text } = lossesBlocks(report, 'company (region=R&D <EU>)')
    expect(text).toBe('Losses by stage, company (region=R&amp;D &lt;EU&gt;): Most losses at Legal &lt;review&gt; &amp; pricing')
  })

  it('funnel: escapes the stage that leaks most when there is no finding', () => {
    const report: FunnelReport = {
      asOf: '2024-07-20',
      where: {},
      stages: [],
      source: 'stage_at_close',
      sourceNote: 'note',
      topLeak: 'Legal <review> & sign-off',
      findings: [],
    }
    expect(funnelBlocks(report, 'company').text).toBe('Funnel, company: most leakage at Legal &lt;review&gt; &amp; sign-off')
  })
})

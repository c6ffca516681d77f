import { describe, expect, it } from 'vitest'
import type { Finding, FunnelReport, LossesReport, StalledReport } from '../../src/analytics/report-types.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { funnelBlocks, lossesBlocks, stalledBlocks } from '../../src/slack/blocks/report-blocks.js'

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
      openStages: [],
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

  it('stalled: reads like the other answers, without a filter in brackets inside brackets', () => {
    const report = {
      asOf: '2024-07-20',
      where: { amount_band: '100k+' },
      rules: { alertAmount: 50_000, idleDays: 14, staleDays: 30 },
      stalled: [],
      stalledCount: 8,
      stalledAmount: 1_100_000,
      stale: { count: 0, amount: 0 },
      overStageP90Count: 0,
      overStageP90Amount: 0,
      stageP90MinCompleted: 20,
      stagesWithoutP90: [],
      findings: [],
    } as unknown as StalledReport
    expect(stalledBlocks(report, 'company (amount_band=100k+)').text).toBe('Stalled deals, company (amount_band=100k+): 8 deals, $1.1M')
  })
})

describe('/pulse funnel: the won end', () => {
  it('lists the last stage with the deals won, not as a stage 100% of deals advance past', () => {
    const funnel = sampleChartInputs().funnel
    const text = funnelBlocks(funnel, 'company')
      .blocks.map((b) => (b as { text?: { text?: string } }).text?.text ?? '')
      .join('\n')
    expect(text).toContain('Closed: 1,720 won')
    expect(text).not.toMatch(/Closed: .*advanced/)
    expect(text).toContain('Negotiation: 2,500 reached, 69% advanced, 16% lost')
  })
})

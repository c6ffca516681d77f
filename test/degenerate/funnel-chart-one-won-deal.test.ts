import { describe, expect, it } from 'vitest'
import { funnelReport } from '../../src/analytics/funnel-report.js'
import { funnelChart } from '../../src/charts/funnel-chart.js'

const context = { openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], wonStage: 'Closed' }

describe('funnel chart subtitle with one won deal', () => {
  it('says "1 of the 3 deals ... has been won", in the singular', () => {
    const report = funnelReport(
      [
        { outcome: 'won', stage: null, furthest: null, n: 1 },
        { outcome: 'lost', stage: 'Demo', furthest: null, n: 1 },
        { outcome: 'open', stage: 'Proposal', furthest: null, n: 1 },
      ],
      context,
      false,
      { asOf: '2024-07-20' },
    )
    const subtitle = (funnelChart(report).spec as { title: { subtitle: string[] } }).title.subtitle.join(' ')
    expect(subtitle).toContain('1 of the 3 deals that reached Qualified (33%) has been won so far.')
  })

  it('says "the one deal that reached Qualified has been won" for a single deal, not "1 of the 1 deal"', () => {
    const subtitle = (rows: Parameters<typeof funnelReport>[0]) =>
      (
        funnelChart(funnelReport(rows, context, false, { asOf: '2024-07-20' })).spec as { title: { subtitle: string[] } }
      ).title.subtitle.join(' ')
    expect(subtitle([{ outcome: 'won', stage: null, furthest: null, n: 1 }])).toContain(
      'The one deal that reached Qualified has been won so far.',
    )
    expect(subtitle([{ outcome: 'lost', stage: 'Demo', furthest: null, n: 1 }])).toContain(
      'The one deal that reached Qualified has not been won so far.',
    )
  })
})

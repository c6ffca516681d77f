import { describe, expect, it } from 'vitest'
import { funnelText } from '../../src/analytics/report-text.js'
import type { TimeInStageReport } from '../../src/analytics/report-types.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'

describe('pulse report funnel text: days in stage', () => {
  it('groups long stays like the counts beside them, and shows a percentile never reached as "-"', () => {
    const funnel = sampleChartInputs().funnel
    const times: TimeInStageReport = {
      asOf: funnel.asOf,
      where: {},
      source: 'stage_history',
      sourceNote: 'From stage history.',
      stages: [{ stage: 'Negotiation', stays: 1500, completed: 1200, censored: 300, median: 1204, p75: 1650, p90: null }],
    }
    const row = funnelText(funnel, times)
      .split('\n')
      .find((l) => l.startsWith('Negotiation') && l.includes('1,200'))
    expect(row?.trim().split(/\s{2,}/)).toEqual(['Negotiation', '1,200', '300', '1,204', '1,650', '-'])
  })
})

describe('pulse report funnel text: the won end', () => {
  it('shows the last stage with the deals won and no advanced, conversion, lost, leakage or open figures, and says what it counts', () => {
    const funnel = sampleChartInputs().funnel
    const won = funnel.stages.at(-1) as (typeof funnel.stages)[number]
    const lines = funnelText(funnel).split('\n')
    const row = lines.find((l) => l.startsWith(`${won.stage} `))
    expect(row?.trim().split(/\s{2,}/)).toEqual([won.stage, won.reached.toLocaleString('en-US')])
    expect(lines).toContain(`${won.stage} is the won end: its row counts the ${won.reached.toLocaleString('en-US')} won deals.`)
    // The open stages keep every figure.
    const first = funnel.stages[0] as (typeof funnel.stages)[number]
    expect(
      lines
        .find((l) => l.startsWith(`${first.stage} `))
        ?.trim()
        .split(/\s{2,}/),
    ).toHaveLength(7)
  })
})

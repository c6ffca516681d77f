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

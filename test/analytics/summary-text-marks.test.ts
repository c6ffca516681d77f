import { describe, expect, it } from 'vitest'
import { summaryText } from '../../src/analytics/report-text.js'
import type { FindingsSummary } from '../../src/analytics/report-types.js'

const summary: FindingsSummary = {
  asOf: '2024-07-20',
  where: {},
  findings: [
    {
      report: 'winrate',
      key: 'winrate_low:2024-06',
      significant: true,
      text: 'Win rate was below its normal range in Jun 2024: 19.0% vs a baseline of 33% (limits 24.1%-42%; 261 closed deals).',
    },
    {
      report: 'drivers',
      key: 'drivers_none',
      significant: false,
      text: "No segment's win rate differs significantly from the rest after correcting for the 75 segments tested.",
    },
  ],
  sentences: [
    'Win rate was below its normal range in Jun 2024: 19.0% vs a baseline of 33% (limits 24.1%-42%; 261 closed deals).',
    "No segment's win rate differs significantly from the rest after correcting for the 75 segments tested.",
  ],
}

describe('summaryText', () => {
  it('marks a significant finding with * and context with -, as every other report does', () => {
    const lines = summaryText(summary).split('\n')
    expect(lines[0]).toBe('What changed (as of 2024-07-20)')
    expect(lines).toContain(`* ${summary.sentences[0]}`)
    expect(lines).toContain(`- ${summary.sentences[1]}`)
  })
})

import { describe, expect, it } from 'vitest'
import type { StalledReport } from '../../src/analytics/report-types.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { managerDigestMessage } from '../../src/slack/alerts/plan-manager-digests.js'

const stalled = sampleChartInputs().stalled

describe("a manager's digest", () => {
  it('counts one stalled deal in the singular', () => {
    const one: StalledReport = { ...stalled, stalled: stalled.stalled.slice(0, 1), stalledCount: 1, stalledAmount: 250_000 }
    const digest = managerDigestMessage(one, '2025-07-12')
    expect(digest.text).toBe('Your team has 1 stalled deal worth $250k.')
    expect(JSON.stringify(digest.blocks)).not.toContain('And ')
  })

  it('lists the deals with their owners and says how many more there are, with the rule', () => {
    const digest = managerDigestMessage({ ...stalled, stalled: stalled.stalled.slice(0, 3) }, '2025-07-12')
    expect(digest.text).toBe('Your team has 23 stalled deals worth $1.9M.')
    const text = JSON.stringify(digest.blocks)
    expect(text).toContain(`idle ${stalled.stalled[0]!.daysIdle} days, ${stalled.stalled[0]!.ownerEmail}`)
    expect(text).toContain('And 20 more. Stalled: at least $50k and idle 14+ days. As of 2025-07-12.')
  })

  it('writes each deal in its own currency, and the team total in theirs or marked mixed with the currencies named', () => {
    const deals = stalled.stalled.slice(0, 2)
    const mixed = managerDigestMessage(
      {
        ...stalled,
        stalled: [
          { ...deals[0]!, amount: 120_000, currency: 'gbp' },
          { ...deals[1]!, amount: 84_000, currency: 'EUR' },
        ],
        stalledCount: 2,
        stalledAmount: 204_000,
        stalledCurrencies: ['EUR', 'GBP'],
      },
      '2025-07-12',
    )
    expect(mixed.text).toBe(
      "Your team has 2 stalled deals worth 204k (mixed currencies). Amounts are in each deal's own currency (EUR, GBP): the totals add them up without conversion.",
    )
    const text = JSON.stringify(mixed.blocks)
    expect(text).toContain('120k GBP, ')
    expect(text).toContain('84k EUR, ')
    expect(text).toContain('Stalled: at least 50k in their own currency and idle 14+ days.')
    const euros = managerDigestMessage(
      {
        ...stalled,
        stalled: [{ ...deals[0]!, amount: 84_000, currency: 'eur' }],
        stalledCount: 1,
        stalledAmount: 84_000,
        stalledCurrencies: ['EUR'],
      },
      '2025-07-12',
    )
    expect(euros.text).toBe('Your team has 1 stalled deal worth 84k EUR.')
    expect(JSON.stringify(euros.blocks)).toContain('Stalled: at least 50k EUR and idle')
  })
})

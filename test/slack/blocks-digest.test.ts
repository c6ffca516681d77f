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
})

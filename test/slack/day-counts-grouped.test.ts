import { describe, expect, it } from 'vitest'
import type { StalledDeal, StalledReport } from '../../src/analytics/report-types.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { managerDigestMessage } from '../../src/slack/alerts/plan-manager-digests.js'
import { stallDmMessage } from '../../src/slack/alerts/stall-dm-message.js'
import type { DealCard } from '../../src/slack/app/pulse-services.js'
import { dealBlocks, stalledBlocks } from '../../src/slack/blocks/report-blocks.js'
import { buildHomeView } from '../../src/slack/home/build-home-view.js'
import type { HomeSnapshot } from '../../src/slack/home/home-snapshot.js'

const sample = sampleChartInputs().stalled
// A deal nobody touched for over three years, under an idle limit of 1,000 days.
const forgotten: StalledDeal = { ...(sample.stalled[0] as StalledDeal), dealName: 'Globex renewal', daysIdle: 1204, daysInStage: 2007 }
const report: StalledReport = {
  ...sample,
  rules: { ...sample.rules, idleDays: 1000 },
  stalled: [forgotten, { ...(sample.stalled[1] as StalledDeal), daysIdle: 1 }],
  stalledCount: 2,
}
const card = (daysIdle: number | null): DealCard => ({
  dealId: 'D1',
  dealName: 'Globex renewal',
  ownerId: 'rep_1',
  ownerEmail: 'rep1@acme.example',
  amount: 90_000,
  currency: null,
  stage: 'Demo',
  outcome: 'open',
  daysIdle,
  lastActivity: '2022-03-26',
  crmUrl: null,
  health: null,
})
const snapshot: HomeSnapshot = {
  scope: 'company',
  asOf: '2025-07-12',
  winrate: null,
  pipeline: { count: 120, amount: 4_200_000 },
  stalled: { count: 2, amount: 500_000, top: report.stalled },
  zombie: { count: 3, amount: 150_000 },
  lateStageLosses: null,
  findings: [],
  charts: {},
}

describe('day counts in Slack are grouped like every other count', () => {
  it("the owner's DM: headline, fields and notification text", () => {
    const dm = stallDmMessage(forgotten, undefined, undefined)
    expect(dm.text).toMatch(/has been idle 1,204 days\.$/)
    const blocks = JSON.stringify(dm.blocks)
    expect(blocks).toContain('has had no activity for *1,204 days*')
    expect(blocks).toContain('*Days idle*\\n1,204')
    expect(stallDmMessage({ ...forgotten, daysIdle: 1 }, undefined, undefined).text).toMatch(/has been idle 1 day\.$/)
  })

  it("a manager's digest and /pulse stalled: each deal's days idle and the idle limit", () => {
    const digest = JSON.stringify(managerDigestMessage(report, '2025-07-12').blocks)
    expect(digest).toContain('idle 1,204 days, ')
    expect(digest).toContain('idle 1 day, ')
    expect(digest).toContain('idle 1,000+ days.')
    const stalled = JSON.stringify(stalledBlocks(report, 'company').blocks)
    expect(stalled).toContain('idle 1,204 days')
    expect(stalled).toContain('idle 1 day')
    expect(stalled).toContain('idle 1,000+ days).')
  })

  it('the Home tab (largest stalled deals, your deals) and a deal card', () => {
    const company = JSON.stringify(buildHomeView({ kind: 'company', snapshot }).blocks)
    expect(company).toContain('idle 1,204 days, ')
    const own = JSON.stringify(buildHomeView({ kind: 'own', deals: [card(1204), card(1)], asOf: '2025-07-12' }).blocks)
    expect(own).toContain('idle 1,204 days · health')
    expect(own).toContain('idle 1 day · health')
    const deal = JSON.stringify(dealBlocks(card(1204)).blocks)
    expect(deal).toContain('*Days idle*\\n1,204')
    expect(JSON.stringify(dealBlocks(card(null)).blocks)).toContain('*Days idle*\\nn/a')
  })
})

import { describe, expect, it } from 'vitest'
import type { StalledReport } from '../../src/analytics/report-types.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { managerDigestMessage } from '../../src/slack/alerts/plan-manager-digests.js'
import { dealBlocks, funnelBlocks, lossesBlocks, stalledBlocks } from '../../src/slack/blocks/report-blocks.js'
import { buildHomeView } from '../../src/slack/home/build-home-view.js'
import type { HomeSnapshot } from '../../src/slack/home/home-snapshot.js'
import { blockKitProblems } from '../fakes/slack-fake.js'

// Lists of CRM names (deals, stages) whose names are long: each item shown whole, the rest counted.
const samples = sampleChartInputs()
const longName = (i: number) => `Deal ${i} Acme & Sons renewal ${'x'.repeat(400)}`
const longStage = (i: number) => `Stage ${i} <review> ${'s'.repeat(300)}`

const stalledReport: StalledReport = {
  ...samples.stalled,
  stalled: Array.from({ length: 15 }, (_, i) => ({
    ...(samples.stalled.stalled[0] as StalledReport['stalled'][number]),
    dealId: `D${i}`,
    dealName: longName(i),
    stage: longStage(i),
    ownerEmail: `rep${i}@acme.example`,
  })),
  stalledCount: 400,
}

/** The text of every mrkdwn section, joined. */
function sectionTexts(blocks: unknown[]): string {
  return blocks.map((b) => (b as { text?: { text?: string } }).text?.text ?? '').join('\n')
}

/** The deal lines listed (one per `• ` or `*Deal ` line). */
function listed(text: string): string[] {
  return text.split('\n').filter((l) => /^(• )?\*Deal \d+/.test(l))
}

describe('lists in Slack messages with long CRM names', () => {
  it("a manager's digest lists whole lines and counts every deal it leaves out", () => {
    const digest = managerDigestMessage(stalledReport, '2025-07-12')
    expect(blockKitProblems(digest.blocks, 50)).toEqual([])
    const text = sectionTexts(digest.blocks as unknown[])
    const lines = listed(text)
    expect(lines.length).toBeGreaterThan(5)
    for (const [i, line] of lines.entries()) expect(line).toMatch(new RegExp(`, rep${i}@acme\\.example$`))
    expect(JSON.stringify(digest.blocks)).toContain(`And ${400 - lines.length} more.`)
  })

  it('/pulse stalled lists whole lines and says how many more stalled deals there are', () => {
    const { blocks } = stalledBlocks(stalledReport, 'company')
    expect(blockKitProblems(blocks, 50)).toEqual([])
    const text = sectionTexts(blocks)
    const lines = listed(text)
    for (const line of lines) expect(line).toMatch(/\(rep\d+@acme\.example\)$/)
    expect(text).toContain(`…and ${400 - lines.length} more stalled deals`)
  })

  it("/pulse stalled says which stages' p90 flags no deal, within Slack's limits", () => {
    const report = { ...stalledReport, stagesWithoutP90: Array.from({ length: 32 }, (_, i) => longStage(i)) }
    const { blocks } = stalledBlocks(report, 'company')
    expect(blockKitProblems(blocks, 50)).toEqual([])
    expect(JSON.stringify(blocks)).toContain('No p90 used for Stage 0 &lt;review&gt;')
    expect(JSON.stringify(stalledBlocks({ ...report, stagesWithoutP90: [] }, 'company').blocks)).not.toContain('No p90 used')
  })

  it('losses and funnel over many stages say how many stages are not listed', () => {
    const losses = lossesBlocks(
      {
        ...samples.losses,
        stages: Array.from({ length: 20 }, (_, i) => ({
          ...(samples.losses.stages[0] as (typeof samples.losses.stages)[number]),
          stage: longStage(i),
        })),
      },
      'company',
    )
    expect(blockKitProblems(losses.blocks, 50)).toEqual([])
    const lossLines = sectionTexts(losses.blocks)
      .split('\n')
      .filter((l) => l.startsWith('Stage ') || l.startsWith('*Stage '))
    for (const line of lossLines) expect(line).toMatch(/ lost \(.+\), \$[\d.]+[kMB]?$/)
    expect(sectionTexts(losses.blocks)).toContain(`…and ${20 - lossLines.length} more stages`)

    const funnel = funnelBlocks(
      {
        ...samples.funnel,
        stages: Array.from({ length: 40 }, (_, i) => ({
          ...(samples.funnel.stages[0] as (typeof samples.funnel.stages)[number]),
          stage: longStage(i),
        })),
      },
      'company',
    )
    expect(blockKitProblems(funnel.blocks, 50)).toEqual([])
    const funnelLines = sectionTexts(funnel.blocks)
      .split('\n')
      .filter((l) => l.startsWith('Stage '))
    for (const line of funnelLines) expect(line).toMatch(/ lost$/)
    expect(sectionTexts(funnel.blocks)).toContain(`…and ${40 - funnelLines.length} more stages`)
  })

  it('the Home tab lists the largest stalled deals whole and counts the rest', () => {
    const snapshot: HomeSnapshot = {
      scope: 'team',
      asOf: '2025-07-12',
      winrate: null,
      pipeline: { count: 900, amount: 9e7 },
      stalled: { count: 400, amount: 3e7, top: stalledReport.stalled.slice(0, 10) },
      zombie: { count: 0, amount: 0 },
      lateStageLosses: null,
      findings: [],
      charts: {},
    }
    const { blocks } = buildHomeView({ kind: 'team', snapshot })
    expect(blockKitProblems(blocks, 100)).toEqual([])
    const text = sectionTexts(blocks)
    const lines = listed(text)
    for (const line of lines) expect(line).toMatch(/, rep\d+@acme\.example$/)
    expect(text).toContain(`…and ${400 - lines.length} more stalled deals`)
  })

  it('a name with line breaks keeps its item, and its bold, on one line', () => {
    const names = ['Acme\nRenewal 2026', 'Globex\r\n\r\nExpansion', 'Initech\tUpsell']
    const report: StalledReport = {
      ...stalledReport,
      stalled: names.map((dealName, i) => ({
        ...(stalledReport.stalled[i] as StalledReport['stalled'][number]),
        dealName,
        stage: 'Pro\nposal',
      })),
      stalledCount: 3,
    }
    const text = sectionTexts(stalledBlocks(report, 'company').blocks)
    expect(text).toContain('*Acme Renewal 2026* ')
    expect(text).toContain('*Globex Expansion* ')
    expect(text).toContain('*Initech Upsell* ')
    const lines = text.split('\n').filter((l) => l.startsWith('*'))
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).toContain(', Pro posal, idle')
    const card = { ...(samples.stalled.stalled[0] as StalledReport['stalled'][number]), dealName: 'Acme\nRenewal 2026' }
    const { blocks } = dealBlocks({
      ...card,
      ownerEmail: null,
      currency: null,
      outcome: 'open',
      lastActivity: null,
      crmUrl: null,
      health: null,
    })
    expect((blocks[0] as { text: { text: string } }).text.text).toBe('Acme Renewal 2026')
  })
})

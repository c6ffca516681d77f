import { describe, expect, it } from 'vitest'
import type { StalledDeal } from '../../src/analytics/report-types.js'
import { stallDmMessage } from '../../src/slack/alerts/stall-dm-message.js'
import type { DealCard } from '../../src/slack/app/pulse-services.js'
import { clip } from '../../src/slack/blocks/block-kit.js'
import { dealBlocks } from '../../src/slack/blocks/report-blocks.js'
import { buildHomeView } from '../../src/slack/home/build-home-view.js'
import type { HomeSnapshot } from '../../src/slack/home/home-snapshot.js'
import { blockKitProblems } from '../fakes/slack-fake.js'

// CRM text is not ours to size: names, stages and reasons can be as long as a CRM allows.
const long = (n: number) => `Acme <Global> & Co ${'x'.repeat(n)}`

const stalled = (i: number): StalledDeal => ({
  dealId: `D${String(i).padStart(6, '0')}-${long(300)}`,
  ownerEmail: `rep${i}@acme.example`,
  amount: 80_000 + i,
  stage: long(500),
  daysIdle: 30 + i,
  idleFrom: 'activity',
  ownerId: `rep_${i}`,
  dealName: long(4000),
  daysInStage: 40,
  stageP90: 30,
})

const card = (i: number): DealCard => ({
  dealId: `D${i}`,
  dealName: long(4000),
  ownerId: 'rep_1',
  ownerEmail: 'rep1@acme.example',
  amount: 90_000,
  currency: 'EUR',
  stage: long(3000),
  outcome: 'open',
  daysIdle: 20,
  lastActivity: '2024-07-01',
  crmUrl: null,
  health: { dealId: `D${i}`, healthScore: 31, winProbability: 0.2, reasons: Array.from({ length: 8 }, () => long(1500)) },
})

const snapshot = (scope: 'company' | 'team'): HomeSnapshot => ({
  scope,
  asOf: '2024-07-20',
  winrate: { month: '2024-06', winRate: 0.2, center: 0.3, lcl: 0.22, ucl: 0.38, anomaly: 'low', n: 130 },
  pipeline: { count: 1200, amount: 9e7 },
  stalled: { count: 400, amount: 3e7, top: Array.from({ length: 10 }, (_, i) => stalled(i)) },
  zombie: { count: 90, amount: 4e6 },
  lateStageLosses: { share: 0.4, amountShare: 0.5, stages: ['Proposal', 'Negotiation'] },
  findings: Array.from({ length: 4 }, () => long(2000)),
  charts: { winrate: `https://pulse.example.com/charts/${'a'.repeat(43)}.png`, losses: 'https://pulse.example.com/charts/b.png' },
})

describe('Block Kit limits with CRM text of any length', () => {
  it('a stalled-deal DM stays within a message', () => {
    const link = {
      dealId: 'D1',
      dealName: long(4000),
      ownerId: 'rep_1',
      ownerEmail: null,
      currency: long(100),
      crmUrl: `https://crm.example/${'p'.repeat(4000)}`,
    }
    const health = card(1).health ?? undefined
    expect(blockKitProblems(stallDmMessage(stalled(1), link, health).blocks, 50)).toEqual([])
  })

  it('one deal (/pulse deal) stays within a message', () => {
    expect(blockKitProblems(dealBlocks(card(1)).blocks, 50)).toEqual([])
  })

  it('every Home view stays within a view', () => {
    for (const content of [
      { kind: 'company', snapshot: snapshot('company') },
      { kind: 'team', snapshot: snapshot('team') },
      { kind: 'own', deals: Array.from({ length: 60 }, (_, i) => card(i)), asOf: '2024-07-20' },
      { kind: 'refused', message: long(5000) },
    ] as const) {
      expect(blockKitProblems(buildHomeView(content).blocks, 100), content.kind).toEqual([])
    }
  })

  it('a name cut to fit keeps its emoji whole and its escaped & readable', () => {
    for (const pad of [147, 148, 149]) {
      const named = { ...card(1), dealName: `${'x'.repeat(pad)}🚀 launch ${'🚀'.repeat(2000)}`, stage: `${'s'.repeat(pad)}🚀`.repeat(40) }
      expect(blockKitProblems(dealBlocks(named).blocks, 50), `pad ${pad}`).toEqual([])
    }
    for (const max of [6, 7, 8, 9]) expect(clip('Tom &amp; Jerry', max), `max ${max}`).toBe('Tom …')
    expect(clip('Tom &amp; Jerry', 10)).toBe('Tom &amp;…')
  })

  it('a stalled-deal DM links a CRM URL with spaces or accents encoded, and gives no link for one that is not a URL', () => {
    const link = (crmUrl: string) => ({ dealId: 'D1', dealName: 'Müller GmbH', ownerId: 'rep_1', ownerEmail: null, currency: null, crmUrl })
    const urlOf = (blocks: unknown[]) =>
      blocks.flatMap((b) => ((b as { elements?: Array<{ url?: string }> }).elements ?? []).flatMap((e) => (e.url ? [e.url] : [])))
    const encoded = stallDmMessage(stalled(1), link('https://crm.example/deals/Müller GmbH 42?q=a b'), undefined)
    expect(blockKitProblems(encoded.blocks, 50)).toEqual([])
    expect(urlOf(encoded.blocks)).toEqual(['https://crm.example/deals/M%C3%BCller%20GmbH%2042?q=a%20b'])
    for (const bad of ['https://', 'http:// crm', 'crm.example/deals/1', 'javascript:alert(1)']) {
      const message = stallDmMessage(stalled(1), link(bad), undefined)
      expect(blockKitProblems(message.blocks, 50), bad).toEqual([])
      expect(urlOf(message.blocks), bad).toEqual([])
    }
  })
})

import { describe, expect, it } from 'vitest'
import { formatPercent } from '../../src/analytics/format-figures.js'
import type { WinrateMonth, WinrateReport } from '../../src/analytics/report-types.js'
import type { DealCard } from '../../src/slack/app/pulse-services.js'
import { money, pct } from '../../src/slack/blocks/format.js'
import { winrateBlocks } from '../../src/slack/blocks/report-blocks.js'
import { buildHomeView } from '../../src/slack/home/build-home-view.js'
import type { HomeSnapshot, MonthVerdict } from '../../src/slack/home/home-snapshot.js'

const snapshot = (winrate: MonthVerdict | null, extra: Partial<HomeSnapshot> = {}): HomeSnapshot => ({
  scope: 'company',
  asOf: '2025-07-12',
  winrate,
  pipeline: { count: 120, amount: 4_200_000 },
  stalled: { count: 0, amount: 0, top: [] },
  zombie: { count: 3, amount: 150_000 },
  lateStageLosses: { share: 0.5, amountShare: 0.6, stages: ['Proposal', 'Negotiation'] },
  findings: [],
  charts: {},
  ...extra,
})

const card = (i: number, health: DealCard['health'] = null): DealCard => ({
  dealId: `D${i}`,
  dealName: `Deal ${i}`,
  ownerId: 'rep_1',
  ownerEmail: 'rep1@acme.example',
  amount: 90_000,
  currency: null,
  stage: 'Demo',
  outcome: 'open',
  daysIdle: 20,
  lastActivity: '2025-06-22',
  crmUrl: null,
  health,
})

const homeText = (s: HomeSnapshot) => JSON.stringify(buildHomeView({ kind: 'company', snapshot: s }).blocks)

describe('Home tab: the win-rate verdict says only what the limits support', () => {
  it('does not call a month "within normal variation" when there are no limits to judge it by', () => {
    const text = homeText(snapshot({ month: '2025-06', winRate: 0.5, center: null, lcl: null, ucl: null, anomaly: null, n: 20 }))
    expect(text).toContain('*50%* in June 2025')
    expect(text).not.toMatch(/within normal/)
    expect(text).toMatch(/too little history to judge/)
  })

  it('says plainly that nothing closed, instead of a rate of n/a "within normal variation"', () => {
    const text = homeText(snapshot({ month: '2025-06', winRate: null, center: 0.4, lcl: null, ucl: null, anomaly: null, n: 0 }))
    expect(text).toContain('No deals closed in June 2025')
    expect(text).not.toMatch(/n\/a|within normal/)
  })

  it('keeps the decimals that tell a flagged rate from its limit', () => {
    const text = homeText(snapshot({ month: '2026-03', winRate: 0.2601, center: 0.35, lcl: 0.2632, ucl: 0.43, anomaly: 'low', n: 273 }))
    expect(text).toContain('*26.0%* in March 2026, normal range 26.3%-43%')
    const month = {
      month: '2026-03',
      won: 71,
      lost: 202,
      n: 273,
      winRate: 0.2601,
      center: 0.35,
      lcl: 0.2632,
      ucl: 0.43,
      partial: false,
      anomaly: 'low',
      created: 30,
      createdAmount: 1e6,
    }
    const report = {
      asOf: '2026-04-10',
      where: {},
      months: [month],
      limitNote: '',
      runSignals: [],
      openPipeline: { count: 5, amount: 4e5 },
      findings: [],
    }
    expect(JSON.stringify(winrateBlocks(report as unknown as WinrateReport, 'everyone').blocks)).toContain(
      '*March 2026: 26.0%*, below its normal range (26.3%-43%',
    )
  })

  it('still judges a month with limits', () => {
    const text = homeText(snapshot({ month: '2025-06', winRate: 0.31, center: 0.35, lcl: 0.25, ucl: 0.45, anomaly: null, n: 84 }))
    expect(text).toContain('*31%* in June 2025, normal range 25%-45%, 84 closed (within normal variation)')
  })

  it('calls a month whose limits take every rate too few to judge, not within normal variation', () => {
    const text = homeText(snapshot({ month: '2025-06', winRate: 0, center: 0.35, lcl: 0, ucl: 1, anomaly: null, n: 1 }))
    expect(text).toContain('*0%* in June 2025, normal range 0%-100%, 1 closed (too few to judge: any rate would be within its limits)')
    expect(text).not.toContain('within normal variation')
  })

  it('/pulse winrate does not call a month without limits "within normal variation" either', () => {
    const month = (m: string, partial: boolean): WinrateMonth =>
      ({
        month: m,
        won: 10,
        lost: 10,
        n: 20,
        winRate: 0.5,
        center: null,
        lcl: null,
        ucl: null,
        partial,
        anomaly: null,
        created: 30,
        createdAmount: 1e6,
      }) as unknown as WinrateMonth
    const report = {
      asOf: '2025-07-12',
      where: {},
      months: [month('2025-06', false), month('2025-07', true)],
      limitNote: 'Too little history for limits.',
      runSignals: [],
      openPipeline: { count: 5, amount: 400_000 },
      findings: [],
    } as unknown as WinrateReport
    const text = JSON.stringify(winrateBlocks(report, 'everyone').blocks)
    expect(text).not.toMatch(/within normal/)
    expect(text).toMatch(/too little history to judge/)
  })
})

describe('Home tab: empty states', () => {
  it('says there are no lost deals yet instead of "n/a of losses"', () => {
    const text = homeText(snapshot(null, { lateStageLosses: { share: null, amountShare: null, stages: ['Proposal', 'Negotiation'] } }))
    expect(text).toContain('*Late-stage losses*\\nNo lost deals yet')
    expect(text).not.toContain('n/a')
  })

  it('says the late-stage share is not known when no lost deal records its stage, instead of "No lost deals yet"', () => {
    const words = 'not known (no lost deal records an open stage as the stage it was lost at)'
    const text = homeText(
      snapshot(null, { lateStageLosses: { share: null, amountShare: null, stages: ['Proposal', 'Negotiation'], words } }),
    )
    expect(text).toContain(`*Late-stage losses*\\n${words}`)
    expect(text).not.toContain('No lost deals yet')
  })
  it('counts one deal in the singular in the company figures', () => {
    const text = homeText(snapshot(null, { pipeline: { count: 1, amount: 5000 }, zombie: { count: 1, amount: 5000 } }))
    expect(text).toContain('*Open pipeline*\\n1 deal, $5k')
    expect(text).toContain('*Zombie pipeline*\\n1 deal, $5k')
    expect(text).toContain('*Stalled*\\n0 deals, $0')
  })
})

describe("Home tab: a rep's deals", () => {
  it('counts one deal in the singular', () => {
    const text = JSON.stringify(buildHomeView({ kind: 'own', deals: [card(1)], asOf: '2025-07-12' }).blocks)
    expect(text).toContain('Your open deal')
    expect(text).not.toContain('Your 1 open deals')
  })

  it('does not present the deals shown as all of them when there are more', () => {
    const deals = Array.from({ length: 20 }, (_, i) => card(i, { dealId: `D${i}`, healthScore: 20 + i, winProbability: null, reasons: [] }))
    const text = JSON.stringify(buildHomeView({ kind: 'own', deals, more: true, asOf: '2025-07-12' }).blocks)
    expect(text).not.toContain('Your 20 open deals')
    expect(text).toMatch(/20 least healthy of your open deals/)
  })

  it('lists unscored deals as largest first, not "least healthy first"', () => {
    const text = JSON.stringify(buildHomeView({ kind: 'own', deals: [card(1), card(2)], asOf: '2025-07-12' }).blocks)
    expect(text).not.toContain('least healthy')
    expect(text).toContain('Your 2 open deals, largest first')
    const scored = card(3, { dealId: 'D3', healthScore: 30, winProbability: 0.2, reasons: [] })
    expect(JSON.stringify(buildHomeView({ kind: 'own', deals: [scored, card(1)], asOf: '2025-07-12' }).blocks)).toContain(
      'Your 2 open deals, least healthy first',
    )
  })

  it('says "no amount" for a deal the CRM gave none, not "$0"', () => {
    const text = JSON.stringify(
      buildHomeView({ kind: 'own', deals: [card(1), { ...card(2), amount: 0, amountMissing: true }], asOf: '2025-07-12' }).blocks,
    )
    expect(text).toContain('*Deal 1* $90k, Demo')
    expect(text).toContain('*Deal 2* no amount, Demo')
    expect(text).not.toContain('$0')
  })

  it('writes one idle day in the singular', () => {
    const text = JSON.stringify(buildHomeView({ kind: 'own', deals: [{ ...card(1), daysIdle: 1 }], asOf: '2025-07-12' }).blocks)
    expect(text).toContain('idle 1 day ·')
  })

  it('says a deal is not scored yet, as the DM does, rather than n/a', () => {
    const text = JSON.stringify(buildHomeView({ kind: 'own', deals: [card(1)], asOf: '2025-07-12' }).blocks)
    expect(text).toContain('not scored yet')
    expect(text).not.toContain('n/a')
  })
})

describe('Slack number formats', () => {
  it('rounds amounts up into the next unit instead of printing $1000k', () => {
    expect(money(999_600)).toBe('$1M')
    expect(money(999_960_000)).toBe('$1B')
    expect(money(9_960)).toBe('$10k')
    expect(money(84_000)).toBe('$84k')
    expect(money(1_234_567)).toBe('$1.2M')
    expect(money(0)).toBe('$0')
  })

  it('writes rates as the CLI and the findings do (one decimal below 10%)', () => {
    expect([0.045, 0.004, 0.31, 0.095, 1, 0].map(pct)).toEqual(['4.5%', '0.4%', '31%', '9.5%', '100%', '0%'])
    for (const r of [0.045, 0.004, 0.31, 0.095, 1, 0]) expect(pct(r)).toBe(formatPercent(r))
    expect(pct(null)).toBe('n/a')
  })
})

describe('Home tab: a team with one open deal', () => {
  it('reads in the singular', () => {
    const one = { count: 1, amount: 120_000 }
    const text = JSON.stringify(buildHomeView({ kind: 'team', snapshot: snapshot(null, { scope: 'team', pipeline: one }) }).blocks)
    expect(text).toContain('1 open deal, $120k')
    expect(text).not.toContain('1 open deals')
  })
})

import { describe, expect, it } from 'vitest'
import type { StalledDeal } from '../../src/analytics/report-types.js'
import { buildHomeView } from '../../src/slack/home/build-home-view.js'
import type { HomeSnapshot } from '../../src/slack/home/home-snapshot.js'

const deal = (dealId: string, amount: number, currency: string | null): StalledDeal => ({
  dealId,
  dealName: null,
  ownerId: 'rep_1',
  ownerEmail: null,
  amount,
  stage: 'Demo',
  daysIdle: 30,
  idleFrom: 'activity',
  daysInStage: 40,
  stageP90: null,
  currency,
})

// The company Home of a snapshot whose totals add up deals in `currencies` (undefined: a snapshot stored before they were kept).
function home(currencies: (string | null)[] | undefined, top: StalledDeal[]): string {
  const figure = (amount: number) => ({ count: 2, amount, ...(currencies === undefined ? {} : { currencies }) })
  const snapshot: HomeSnapshot = {
    scope: 'company',
    asOf: '2025-07-12',
    winrate: null,
    pipeline: figure(400_000),
    stalled: { ...figure(204_000), top },
    zombie: figure(150_000),
    lateStageLosses: null,
    findings: [],
    charts: {},
  }
  return JSON.stringify(buildHomeView({ kind: 'company', snapshot }).blocks)
}

describe('the Home tab in the deals’ own currencies', () => {
  it('writes each stalled deal in its currency and marks the totals over several as mixed, naming them', () => {
    const text = home(['EUR', 'GBP'], [deal('G1', 120_000, 'gbp'), deal('E1', 84_000, 'EUR')])
    expect(text).toContain('*G1* 120k GBP, Demo')
    expect(text).toContain('*E1* 84k EUR, Demo')
    expect(text).toContain('*Stalled*\\n2 deals, 204k (mixed currencies: EUR, GBP)')
    expect(text).toContain('*Zombie pipeline*\\n2 deals, 150k (mixed currencies: EUR, GBP)')
    expect(text).not.toContain('$')
  })

  it('writes one currency’s totals in it, and dollars when none is stated or the snapshot predates them', () => {
    const euros = home(['EUR'], [deal('E1', 84_000, 'eur')])
    expect(euros).toContain('*Open pipeline*\\n2 deals, 400k EUR')
    expect(euros).toContain('*E1* 84k EUR, Demo')
    expect(home([null], [deal('N1', 84_000, null)])).toContain('*Open pipeline*\\n2 deals, $400k')
    expect(home(undefined, [])).toContain('*Stalled*\\n2 deals, $204k')
  })
})

import { describe, expect, it } from 'vitest'
import type { StalledDeal } from '../../src/analytics/report-types.js'
import type { DealLink } from '../../src/db/find-deal-links.js'
import { stallDmMessage } from '../../src/slack/alerts/stall-dm-message.js'
import type { DealCard } from '../../src/slack/app/pulse-services.js'
import { dealBlocks } from '../../src/slack/blocks/report-blocks.js'

const deal: StalledDeal = {
  dealId: 'D1',
  ownerEmail: 'ana@acme.example',
  amount: 84_000,
  stage: 'Negotiation',
  daysIdle: 21,
  idleFrom: 'activity',
  ownerId: 'ana',
  dealName: 'Globex renewal',
  daysInStage: 30,
  stageP90: 25,
}

const link = (currency: string | null): DealLink => ({
  dealId: 'D1',
  dealName: null,
  ownerId: 'ana',
  ownerEmail: null,
  currency,
  crmUrl: null,
})

describe('deal amounts in their currency', () => {
  it('a stalled-deal DM does not put a dollar sign on a euro amount', () => {
    const dm = stallDmMessage(deal, link('EUR'), undefined)
    const text = JSON.stringify(dm.blocks)
    expect(text).toContain('84k EUR')
    expect(text).not.toContain('$84k')
    expect(dm.text).toContain('84k EUR')
  })

  it('a dollar or unknown currency keeps the dollar sign', () => {
    expect(JSON.stringify(stallDmMessage(deal, link('USD'), undefined).blocks)).toContain('$84k')
    expect(JSON.stringify(stallDmMessage(deal, link(null), undefined).blocks)).toContain('$84k')
  })

  it('/pulse deal writes a euro amount without a dollar sign', () => {
    const card: DealCard = {
      dealId: 'D1',
      dealName: 'Globex renewal',
      ownerId: 'ana',
      ownerEmail: 'ana@acme.example',
      amount: 1_250_000,
      currency: 'EUR',
      stage: 'Negotiation',
      outcome: 'open',
      daysIdle: 21,
      lastActivity: '2025-06-20',
      crmUrl: null,
      health: null,
    }
    const rendered = dealBlocks(card)
    expect(JSON.stringify(rendered.blocks)).toContain('1.3M EUR')
    expect(JSON.stringify(rendered.blocks)).not.toContain('$1.3M')
    expect(rendered.text).toContain('1.3M EUR')

    // A deal the CRM gave no amount says so, rather than "$0".
    const none = dealBlocks({ ...card, amount: 0, amountMissing: true })
    expect(JSON.stringify(none.blocks)).toContain('*Amount*\\nno amount')
    expect(none.text).toBe('Globex renewal: no amount, Negotiation')
    expect(dealBlocks({ ...card, amount: 0 }).text).toBe('Globex renewal: 0 EUR, Negotiation')
  })
})

describe('notification text', () => {
  it("escapes a deal's name and stage for Slack, as the blocks do", () => {
    const dm = stallDmMessage({ ...deal, dealName: 'R&D <Phase 2>', stage: 'Legal <review>' }, link(null), undefined)
    expect(dm.text).toBe('R&amp;D &lt;Phase 2&gt; ($84k, Legal &lt;review&gt;) has been idle 21 days.')
  })

  it('/pulse deal escapes them too', () => {
    const card = {
      dealId: 'D1',
      dealName: 'R&D <Phase 2>',
      ownerId: 'ana',
      ownerEmail: null,
      amount: 84_000,
      currency: null,
      stage: 'Legal <review>',
      outcome: 'open' as const,
      daysIdle: 3,
      lastActivity: null,
      crmUrl: null,
      health: null,
    }
    expect(dealBlocks(card).text).toBe('R&amp;D &lt;Phase 2&gt;: $84k, Legal &lt;review&gt;')
  })
})

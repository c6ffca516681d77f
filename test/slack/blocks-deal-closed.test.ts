import { describe, expect, it } from 'vitest'
import type { DealCard } from '../../src/slack/app/pulse-services.js'
import { dealBlocks } from '../../src/slack/blocks/report-blocks.js'

const card = (outcome: DealCard['outcome']): DealCard => ({
  dealId: 'D00001',
  dealName: null,
  ownerId: 'rep_22',
  ownerEmail: null,
  amount: 4253,
  currency: null,
  stage: 'Qualified',
  outcome,
  daysIdle: outcome === 'open' ? 3 : null,
  lastActivity: null,
  crmUrl: null,
  health: null,
})

describe('/pulse deal health of an unscored deal', () => {
  it('says a won or lost deal is not scored at all, rather than "not scored yet"', () => {
    for (const outcome of ['won', 'lost'] as const) {
      const text = JSON.stringify(dealBlocks(card(outcome)).blocks)
      expect(text).toContain('*Health*\\nnone: only open deals are scored')
      expect(text).not.toContain('not scored yet')
    }
  })

  it('keeps "not scored yet" for an open deal that the next scoring run will score', () => {
    expect(JSON.stringify(dealBlocks(card('open')).blocks)).toContain('*Health*\\nnot scored yet')
  })
})

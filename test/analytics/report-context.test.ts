import { describe, expect, it } from 'vitest'
import { reportContext } from '../../src/analytics/report-context.js'

const query = (stages: string[]) => ({ asOf: '2024-07-20', stages })

describe('reportContext', () => {
  it('splits the default order into open stages and the Closed won stage', () => {
    const c = reportContext(query(['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']), [])
    expect(c).toMatchObject({ openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'], wonStage: 'Closed' })
  })

  it.each([['Won'], ['Closed Won'], ['closed-won'], ['ClosedWon']])(
    'takes a last stage named %s as the won stage, never as an open one too',
    (won) => {
      const c = reportContext(query(['Discovery', 'Pitch', won]), [])
      expect(c.openStages).toEqual(['Discovery', 'Pitch'])
      expect(c.wonStage).toBe(won)
    },
  )

  it('keeps a lost end stage out of the open stages', () => {
    const c = reportContext(query(['Discovery', 'Pitch', 'Closed Won', 'Closed Lost']), [])
    // With two open stages every loss would be late: none is called late.
    expect(c).toMatchObject({ openStages: ['Discovery', 'Pitch'], wonStage: 'Closed Won', lateStages: [] })
    expect(reportContext(query(['Discovery', 'Pitch', 'Proposal', 'Closed Won']), []).lateStages).toEqual(['Pitch', 'Proposal'])
  })

  it('names a won stage that is not one of the open stages when the order lists only open ones', () => {
    const c = reportContext(query(['Discovery', 'Pitch', 'Negotiation']), [])
    expect(c.openStages).toEqual(['Discovery', 'Pitch', 'Negotiation'])
    expect(c.openStages).not.toContain(c.wonStage)
  })
})

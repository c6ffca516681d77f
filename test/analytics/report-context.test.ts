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
    // `Closed` would read as won and lost deals alike: the row is called what it counts.
    expect(c).toMatchObject({ wonStage: 'Won', wonStageInOrder: false })
    expect(reportContext(query(['Discovery', 'Pitch', 'Closed']), [])).toMatchObject({ wonStage: 'Closed', wonStageInOrder: true })
  })

  it('calls the won end Closed Won when a stored open stage is called Won', () => {
    // A CRM pipeline may flag a stage called Won as open; as the last stage it would read as the won end.
    const stored = ['won', 'Discovery'].map((name) => ({ name, isClosed: false, isWon: false }))
    const c = reportContext({ asOf: '2024-07-20' }, stored)
    expect(c).toMatchObject({ openStages: ['won', 'Discovery'], wonStage: 'Closed Won', wonStageInOrder: false })
  })
})

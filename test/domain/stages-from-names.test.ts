import { describe, expect, it } from 'vitest'
import { isLostStageName, isWonStageName, stagesFromNames } from '../../src/domain/stages-from-names.js'

describe('stagesFromNames', () => {
  it('keeps the default order open up to its Closed (won) end', () => {
    expect(stagesFromNames(['Qualified', 'Demo', 'Closed'])).toEqual([
      { name: 'Qualified', isClosed: false, isWon: false },
      { name: 'Demo', isClosed: false, isWon: false },
      { name: 'Closed', isClosed: true, isWon: true },
    ])
  })

  it.each(['Won', 'Closed Won', 'closed-won', 'ClosedWon', 'closed_won', ' CLOSED WON '])('reads %j as the won end', (name) => {
    expect(isWonStageName(name)).toBe(true)
    expect(stagesFromNames(['Pitch', name])[1]).toMatchObject({ isClosed: true, isWon: true })
  })

  it.each(['Lost', 'Closed Lost', 'closed-lost', 'ClosedLost'])('reads %j as a closed, lost end', (name) => {
    expect(isLostStageName(name)).toBe(true)
    expect(stagesFromNames(['Pitch', name])[1]).toMatchObject({ isClosed: true, isWon: false })
  })

  it.each(['Closing', 'Won Back', 'Lost Contact', 'Enclosed'])('keeps %j an open stage', (name) => {
    expect(stagesFromNames([name])[0]).toMatchObject({ isClosed: false, isWon: false })
  })
})

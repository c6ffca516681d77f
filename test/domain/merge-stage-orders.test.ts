import { describe, expect, it } from 'vitest'
import { mergeStageOrders } from '../../src/domain/merge-stage-orders.js'
import { stagesFromNames } from '../../src/domain/stages-from-names.js'

describe('mergeStageOrders', () => {
  it('places open stages source by source in name order, then closed ones, a shared name once where the first puts it', () => {
    const sf = stagesFromNames(['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost'])
    const hs = stagesFromNames(['Appointment Scheduled', 'Qualification', 'Closed Won', 'Closed Lost'])
    const merged = mergeStageOrders([
      { source: 'salesforce', stages: sf },
      { source: 'hubspot', stages: hs },
    ])
    expect(merged.map((s) => [s.name, s.source])).toEqual([
      ['Appointment Scheduled', 'hubspot'],
      ['Qualification', 'hubspot'],
      ['Prospecting', 'salesforce'],
      ['Closed Won', 'hubspot'],
      ['Closed Lost', 'hubspot'],
    ])
    // The same sources given the other way round merge the same.
    expect(
      mergeStageOrders([
        { source: 'hubspot', stages: hs },
        { source: 'salesforce', stages: sf },
      ]),
    ).toEqual(merged)
  })

  it('places a stage two sources spell in different case once, as the first source spells it', () => {
    const sf = stagesFromNames(['Prospecting', 'negotiation', 'Closed Won', 'closed lost'])
    const hs = stagesFromNames(['Appointment Scheduled', 'Negotiation', 'Closed Won', 'Closed Lost'])
    const merged = mergeStageOrders([
      { source: 'salesforce', stages: sf },
      { source: 'hubspot', stages: hs },
    ])
    expect(merged.map((s) => [s.name, s.source])).toEqual([
      ['Appointment Scheduled', 'hubspot'],
      ['Negotiation', 'hubspot'],
      ['Prospecting', 'salesforce'],
      ['Closed Won', 'hubspot'],
      ['Closed Lost', 'hubspot'],
    ])
  })
})

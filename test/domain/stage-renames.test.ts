import { describe, expect, it } from 'vitest'
import { renamesInStoredSpellings, stageRenames } from '../../src/domain/stage-renames.js'

describe('stageRenames', () => {
  it('a stage whose id kept its place under a new label is renamed; one that only opened or closed is not', () => {
    const before = { 'p:1': 'O:Demo', 'p:2': 'O:Proposal', 'p:3': 'L:Lost' }
    const now = { 'p:1': 'O:Product Demo', 'p:2': 'O:Proposal', 'p:3': 'W:Lost' }
    expect(stageRenames(before, now)).toEqual([{ from: 'Demo', to: 'Product Demo' }])
  })

  it('no rename when the old label is still a stage of its own (another pipeline), or its stages now differ', () => {
    // Two pipelines each had "Demo"; one renamed it: deals stored as "Demo" may be either's.
    expect(stageRenames({ 'a:1': 'O:Demo', 'b:1': 'O:Demo' }, { 'a:1': 'O:Meeting', 'b:1': 'O:Demo' })).toEqual([])
    expect(stageRenames({ 'a:1': 'O:Demo', 'b:1': 'O:Demo' }, { 'a:1': 'O:Meeting', 'b:1': 'O:Call' })).toEqual([])
    // Both renamed alike: one rename.
    expect(stageRenames({ 'a:1': 'O:Demo', 'b:1': 'O:Demo' }, { 'a:1': 'O:Meeting', 'b:1': 'O:Meeting' })).toEqual([
      { from: 'Demo', to: 'Meeting' },
    ])
  })

  it('a chain of labels in the order to apply them; a swap is left out; a stage gone from the CRM, or unreadable entries, change nothing', () => {
    expect(stageRenames({ 'p:1': 'O:A', 'p:2': 'O:B' }, { 'p:1': 'O:B', 'p:2': 'O:A' })).toEqual([])
    expect(stageRenames({ 'p:1': 'O:A', 'p:2': 'O:B' }, { 'p:1': 'O:B', 'p:2': 'O:C' })).toEqual([
      { from: 'B', to: 'C' },
      { from: 'A', to: 'B' },
    ])
    // A new stage under the old label holds no stored stays yet.
    expect(stageRenames({ 'p:1': 'O:Demo' }, { 'p:1': 'O:Meeting', 'p:2': 'O:Demo' })).toEqual([{ from: 'Demo', to: 'Meeting' }])
    expect(stageRenames({ 'p:1': 'O:A', 'p:9': 'O:Gone' }, { 'p:1': 'O:A' })).toEqual([])
    expect(stageRenames({ 'p:1': 'bad' }, { 'p:1': 'O:A' })).toEqual([])
  })
})

describe('renamesInStoredSpellings', () => {
  it('applies each rename to every stored name that folds to its old label, in order, and leaves the new name alone', () => {
    const renames = [
      { from: 'Qualification', to: 'Qualified' },
      { from: 'Demo', to: 'Product Demo' },
      { from: 'Gone', to: 'Elsewhere' },
    ]
    expect(renamesInStoredSpellings(renames, ['QUALIFICATION', 'Qualification', 'demo', 'Proposal'])).toEqual([
      { from: 'QUALIFICATION', to: 'Qualified' },
      { from: 'Qualification', to: 'Qualified' },
      { from: 'demo', to: 'Product Demo' },
    ])
    // A rename in case only: the stored name that is already the new one stays.
    expect(renamesInStoredSpellings([{ from: 'demo', to: 'Demo' }], ['Demo', 'DEMO'])).toEqual([{ from: 'DEMO', to: 'Demo' }])
  })
})

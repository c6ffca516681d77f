import { describe, expect, it } from 'vitest'
import { composedDealId } from '../../src/domain/composed-deal-id.js'

describe('composedDealId', () => {
  it('spells an id written with combining accents (NFD) as its composed form (NFC)', () => {
    const decomposed = 'Cafe\u0301-1'
    expect(composedDealId(decomposed)).toBe('Caf\u00e9-1')
    expect(composedDealId('Caf\u00e9-1')).toBe('Caf\u00e9-1')
    expect(composedDealId('\u1100\u1161-7')).toBe('\uac00-7')
  })

  it('keeps an id otherwise as given: case, inner spaces and ASCII untouched', () => {
    expect(composedDealId('d-1')).toBe('d-1')
    expect(composedDealId('Deal  One')).toBe('Deal  One')
    expect(composedDealId('\u00c9TÉ 2')).toBe('\u00c9TÉ 2')
  })
})

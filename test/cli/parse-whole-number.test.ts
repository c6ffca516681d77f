import { describe, expect, it } from 'vitest'
import { parseWholeNumber } from '../../src/cli/parse-whole-number.js'

describe('parseWholeNumber', () => {
  it('reads decimal digits within the range, spaces around allowed', () => {
    expect(parseWholeNumber('20', '--limit', { min: 0, example: '--limit 10' })).toBe(20)
    expect(parseWholeNumber(' 0 ', '--limit', { min: 0, example: '--limit 10' })).toBe(0)
    expect(parseWholeNumber('120', '--months', { min: 1, max: 120, example: '--months 12' })).toBe(120)
  })

  it('refuses hex, exponents, signs, fractions and values out of range, naming the option, the range and an example', () => {
    for (const bad of ['0x10', '1e2', '-1', '+3', '2.5', '', 'ten', '99999999999999999999']) {
      expect(() => parseWholeNumber(bad, '--limit', { min: 0, example: '--limit 10' }), bad).toThrow(
        `--limit "${bad}" is not a whole number of at least 0; try --limit 10.`,
      )
    }
    expect(() => parseWholeNumber('121', '--months', { min: 1, max: 120, example: '--months 12' })).toThrow(
      '--months "121" is not a whole number between 1 and 120; try --months 12.',
    )
    expect(() => parseWholeNumber('499', '--deals', { min: 500, max: 50_000_000, example: '--deals 6000' })).toThrow(
      '--deals "499" is not a whole number between 500 and 50,000,000; try --deals 6000.',
    )
  })
})

import { describe, expect, it } from 'vitest'
import { formatMoney } from '../../src/analytics/format-figures.js'

describe('formatMoney on huge amounts (a 1e12 deal in a CSV)', () => {
  it.each([
    [1e12, '$1T'],
    [69e12, '$69T'],
    [68e12, '$68T'],
    [999_600_000_000, '$1T'],
    [123_400_000_000, '$123B'],
  ])('%d -> %s', (amount, text) => {
    expect(formatMoney(amount)).toBe(text)
  })
})

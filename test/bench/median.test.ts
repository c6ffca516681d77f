import { describe, expect, it } from 'vitest'
import { median } from '../../bench/median.js'

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, of unsorted values', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([3, 1, 2, 10])).toBe(2.5)
    expect(median([])).toBeNaN()
  })
})

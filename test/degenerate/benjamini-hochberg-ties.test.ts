import { describe, expect, it } from 'vitest'
import { benjaminiHochberg } from '../../src/analytics/benjamini-hochberg.js'

describe('benjaminiHochberg with tied p-values (segments that are the same test seen from both sides)', () => {
  it('never gives a q below its p, even where m * p / m rounds down', () => {
    const p = 15 / 2001 // 3 * p / 3 < p in floating point
    const q = benjaminiHochberg([p, p, p])
    for (const x of q) expect(x).toBeGreaterThanOrEqual(p)
    expect(q).toEqual([p, p, p])
  })
})

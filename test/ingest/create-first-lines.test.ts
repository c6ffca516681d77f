import { describe, expect, it } from 'vitest'
import { createFirstLines } from '../../src/ingest/create-first-lines.js'

describe('createFirstLines', () => {
  it('returns -1 for a new id and the first line for a repeated one', () => {
    const seen = createFirstLines(4)
    expect(seen.firstOrAdd('D1', 2)).toBe(-1)
    expect(seen.firstOrAdd('D2', 3)).toBe(-1)
    expect(seen.firstOrAdd('D1', 9)).toBe(2)
    expect(seen.firstOrAdd('D1', 12)).toBe(2)
    expect(seen.size).toBe(2)
  })

  it('keeps every id apart while growing far past its capacity', () => {
    const seen = createFirstLines(2)
    const n = 50_000
    for (let i = 0; i < n; i++) expect(seen.firstOrAdd(`deal-${i}`, i + 2)).toBe(-1)
    expect(seen.size).toBe(n)
    for (let i = 0; i < n; i += 997) expect(seen.firstOrAdd(`deal-${i}`, 0)).toBe(i + 2)
    expect(seen.firstOrAdd('deal-', 1)).toBe(-1)
  })

  it('tells apart ids that differ only in case, spacing or non-ASCII characters', () => {
    const seen = createFirstLines()
    const ids = ['abc', 'ABC', 'abc ', ' abc', 'äbc', 'ab\u0000c', '', '😀', '\uD83D']
    for (const [i, id] of ids.entries()) expect(seen.firstOrAdd(id, i + 2)).toBe(-1)
    for (const [i, id] of ids.entries()) expect(seen.firstOrAdd(id, 99)).toBe(i + 2)
  })
})

import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { textTable } from '../../src/analytics/report-text.js'

/** The terminal column where `cell` starts in `line` (each CJK character or emoji takes two). */
function columnOf(line: string, cell: string): number {
  const at = line.indexOf(cell)
  expect(at, `${cell} in ${line}`).toBeGreaterThanOrEqual(0)
  return stringWidth(line.slice(0, at))
}

describe('textTable', () => {
  it('lines up the next column after wide (CJK, emoji) and combining characters as a terminal shows them', () => {
    const rows = [
      ['製造業', '31%', 'A1'],
      ['Retail 🛒', '4%', 'B2'],
      ['Cafe\u0301s', '100%', 'C3'],
      ['SaaS', '12%', 'D4'],
    ]
    const out = textTable(['industry', 'win rate', 'code'], rows, [false, true, false]).split('\n')
    expect(out).toHaveLength(6)
    const codeColumns = rows.map((r, i) => columnOf(out[i + 2] as string, r[2] as string))
    expect(new Set([columnOf(out[0] as string, 'code'), ...codeColumns]).size).toBe(1)
    // The right-aligned figures end in one column too.
    const ends = rows.map((r, i) => columnOf(out[i + 2] as string, r[1] as string) + stringWidth(r[1] as string))
    expect(new Set(ends).size).toBe(1)
    // The rule under the header is as wide as the widest cell: 製造業 is six columns, 'Retail 🛒' nine.
    expect(out[1]?.split('  ')[0]).toBe('-'.repeat(9))
  })
})

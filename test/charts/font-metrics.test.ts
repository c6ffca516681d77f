import { readFileSync } from 'node:fs'
import { parse } from 'opentype.js/dist/opentype.mjs'
import { describe, expect, it } from 'vitest'
import { chartFontFiles } from '../../src/charts/chart-fonts.js'
import { readFontMetrics } from '../../src/charts/font-metrics.js'

// Every character the charts are likely to draw, and then some: ASCII, Latin-1, Latin Extended-A,
// Greek, Cyrillic, general punctuation, currency and arrows, plus one code point DejaVu lacks.
const CODE_POINTS = [
  ...range(0x20, 0x7e),
  ...range(0xa0, 0x17f),
  ...range(0x370, 0x3ff),
  ...range(0x400, 0x45f),
  ...range(0x2000, 0x206f),
  ...range(0x20a0, 0x20bf),
  ...range(0x2190, 0x21ff),
  0x1f600,
  0x10fffd,
]
// Kerning pairs: printable ASCII plus the Latin-1 letters and signs.
const KERN_CHARS = [...range(0x20, 0x7e), ...range(0xa0, 0xff)]

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

describe('readFontMetrics', () => {
  const files = chartFontFiles()
  it.each([
    ['DejaVu Sans', files.regular],
    ['DejaVu Sans Bold', files.bold],
  ])('%s: same glyphs, advances and GPOS kerning as opentype.js', (_name, path) => {
    const bytes = readFileSync(path)
    const ours = readFontMetrics(bytes)
    const reference = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { lowMemory: true })
    const lookups = reference.position.getKerningTables('latn')
    expect(lookups?.length).toBeGreaterThan(0)
    expect(ours.unitsPerEm).toBe(reference.unitsPerEm)
    for (const cp of CODE_POINTS) {
      const glyph = reference.charToGlyph(String.fromCodePoint(cp))
      expect([cp, ours.glyphIndex(cp)]).toEqual([cp, glyph.index])
      expect([cp, ours.advance(ours.glyphIndex(cp))]).toEqual([cp, glyph.advanceWidth])
    }
    expect(ours.glyphIndex(0x10fffd)).toBe(0)
    const glyphs = KERN_CHARS.map((cp) => ours.glyphIndex(cp))
    let kerned = 0
    for (const left of glyphs) {
      for (const right of glyphs) {
        const expected = reference.position.getKerningValue(lookups ?? [], left, right)
        if (ours.kerning(left, right) !== expected) expect([left, right, ours.kerning(left, right)]).toEqual([left, right, expected])
        if (expected !== 0) kerned++
      }
    }
    // The comparison means something only if the font really kerns these pairs.
    expect(kerned).toBeGreaterThan(500)
  })
})

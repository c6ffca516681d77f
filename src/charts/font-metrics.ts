/**
 * Glyph metrics of a TrueType/OpenType font, read straight from its tables on demand: the
 * character map, advance widths and GPOS pair kerning. Opening a font only reads its table
 * directory and three header fields (well under a millisecond; opentype.js needs ~30 ms per
 * DejaVu face even in its low-memory mode), and every lookup reads the few bytes it needs.
 */
export interface FontMetrics {
  /** Font units per em. */
  readonly unitsPerEm: number
  /**
   * Glyph index of a Unicode code point, from the same `cmap` subtable opentype.js 2.0 picks;
   * 0 (.notdef) when the font lacks it.
   */
  glyphIndex(codePoint: number): number
  /** Advance width in font units of glyph `glyph` (glyphs past the last metric repeat it, as the spec says). */
  advance(glyph: number): number
  /**
   * Horizontal kerning in font units between two glyphs, from the `kern` feature's pair-adjustment
   * lookups of `script`'s default language (opentype.js 2.0's `getKerningValue` semantics: the
   * first subtable covering the left glyph decides, except a format-1 subtable without the pair).
   */
  kerning(left: number, right: number, script?: string): number
}

/**
 * Opens `font` (a whole TTF/OTF file). Throws on a font without `head`, `hhea`, `maxp`, `hmtx` or
 * `cmap`, or whose character map uses a format other than 4 or 12.
 * @example const m = readFontMetrics(readFileSync(ttf)); m.advance(m.glyphIndex(0x41)) / m.unitsPerEm
 */
export function readFontMetrics(font: Uint8Array): FontMetrics {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength)
  const u16 = (at: number) => view.getUint16(at)
  const i16 = (at: number) => view.getInt16(at)
  const u32 = (at: number) => view.getUint32(at)

  const tables = new Map<string, number>()
  const numTables = u16(4)
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16
    tables.set(String.fromCharCode(font[record]!, font[record + 1]!, font[record + 2]!, font[record + 3]!), u32(record + 8))
  }
  const table = (tag: string): number => {
    const at = tables.get(tag)
    if (at === undefined) throw new Error(`font has no ${tag} table`)
    return at
  }
  const tag = (at: number) => String.fromCharCode(font[at]!, font[at + 1]!, font[at + 2]!, font[at + 3]!)

  const unitsPerEm = u16(table('head') + 18)
  const numberOfHMetrics = u16(table('hhea') + 34)
  const numGlyphs = u16(table('maxp') + 4)
  const hmtx = table('hmtx')

  // cmap: the subtable opentype.js uses (scanning the records from the last one).
  const cmap = table('cmap')
  let subtable = -1
  for (let i = u16(cmap + 2) - 1; i >= 0; i--) {
    const platform = u16(cmap + 4 + i * 8)
    const encoding = u16(cmap + 6 + i * 8)
    if (
      (platform === 3 && [0, 1, 10].includes(encoding)) ||
      (platform === 0 && [0, 1, 2, 3, 4, 6].includes(encoding)) ||
      (platform === 1 && encoding === 0)
    ) {
      subtable = cmap + u32(cmap + 8 + i * 8)
      break
    }
  }
  if (subtable < 0) throw new Error('font has no Unicode cmap subtable')
  const format = u16(subtable)
  if (format !== 4 && format !== 12) throw new Error(`cmap format ${format} is not supported`)

  function glyphIndex(codePoint: number): number {
    return format === 12 ? format12(codePoint) : format4(codePoint)
  }

  function format12(cp: number): number {
    let lo = 0
    let hi = u32(subtable + 12) - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const group = subtable + 16 + mid * 12
      if (cp < u32(group)) hi = mid - 1
      else if (cp > u32(group + 4)) lo = mid + 1
      else return valid(u32(group + 8) + (cp - u32(group)))
    }
    return 0
  }

  function format4(cp: number): number {
    if (cp > 0xffff) return 0
    const segCount = u16(subtable + 6) >> 1
    const ends = subtable + 14
    const starts = ends + segCount * 2 + 2
    const deltas = starts + segCount * 2
    const rangeOffsets = deltas + segCount * 2
    for (let s = 0; s < segCount; s++) {
      if (cp > u16(ends + s * 2)) continue
      const start = u16(starts + s * 2)
      if (cp < start) return 0
      const delta = i16(deltas + s * 2)
      const rangeOffset = u16(rangeOffsets + s * 2)
      if (rangeOffset === 0) return valid((cp + delta) & 0xffff)
      const glyph = u16(rangeOffsets + s * 2 + rangeOffset + (cp - start) * 2)
      return valid(glyph === 0 ? (cp + delta) & 0xffff : (glyph + delta) & 0xffff)
    }
    return 0
  }

  // A glyph the font does not have becomes .notdef, as opentype.js's charToGlyph does.
  function valid(glyph: number): number {
    return glyph < numGlyphs ? glyph : 0
  }

  function advance(glyph: number): number {
    return u16(hmtx + Math.min(glyph, numberOfHMetrics - 1) * 4)
  }

  const kernLookups = new Map<string, number[]>()
  function pairSubtables(script: string): number[] {
    let found = kernLookups.get(script)
    if (found) return found
    found = []
    const gpos = tables.get('GPOS')
    if (gpos !== undefined) {
      const scripts = gpos + u16(gpos + 4)
      const features = gpos + u16(gpos + 6)
      const lookups = gpos + u16(gpos + 8)
      for (let i = 0; i < u16(scripts); i++) {
        if (tag(scripts + 2 + i * 6) !== script) continue
        const scriptTable = scripts + u16(scripts + 6 + i * 6)
        const langSysOffset = u16(scriptTable)
        if (langSysOffset === 0) break
        const langSys = scriptTable + langSysOffset
        for (let f = 0; f < u16(langSys + 4); f++) {
          const feature = u16(langSys + 6 + f * 2)
          if (tag(features + 2 + feature * 6) !== 'kern') continue
          const featureTable = features + u16(features + 6 + feature * 6)
          for (let l = 0; l < u16(featureTable + 2); l++) {
            const lookup = lookups + u16(lookups + 2 + u16(featureTable + 4 + l * 2) * 2)
            if (u16(lookup) !== 2) continue
            for (let s = 0; s < u16(lookup + 4); s++) found.push(lookup + u16(lookup + 6 + s * 2))
          }
          break
        }
        break
      }
    }
    kernLookups.set(script, found)
    return found
  }

  function coverageIndex(coverage: number, glyph: number): number {
    const count = u16(coverage + 2)
    let lo = 0
    let hi = count - 1
    if (u16(coverage) === 1) {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        const g = u16(coverage + 4 + mid * 2)
        if (g === glyph) return mid
        if (g < glyph) lo = mid + 1
        else hi = mid - 1
      }
      return -1
    }
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const range = coverage + 4 + mid * 6
      if (glyph < u16(range)) hi = mid - 1
      else if (glyph > u16(range + 2)) lo = mid + 1
      else return u16(range + 4) + glyph - u16(range)
    }
    return -1
  }

  function classOf(classDef: number, glyph: number): number {
    if (u16(classDef) === 1) {
      const start = u16(classDef + 2)
      return glyph >= start && glyph < start + u16(classDef + 4) ? u16(classDef + 6 + (glyph - start) * 2) : 0
    }
    let lo = 0
    let hi = u16(classDef + 2) - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const range = classDef + 4 + mid * 6
      if (glyph < u16(range)) hi = mid - 1
      else if (glyph > u16(range + 2)) lo = mid + 1
      else return u16(range + 4)
    }
    return 0
  }

  // Bytes of a value record, and where its XAdvance sits in it (-1: none).
  const recordSize = (valueFormat: number) => popcount(valueFormat & 0xff) * 2
  const xAdvanceAt = (valueFormat: number) => (valueFormat & 4 ? popcount(valueFormat & 3) * 2 : -1)

  function kerning(left: number, right: number, script = 'latn'): number {
    for (const sub of pairSubtables(script)) {
      const covered = coverageIndex(sub + u16(sub + 2), left)
      if (covered < 0) continue
      const format1 = u16(sub + 4)
      const size1 = recordSize(format1)
      const size2 = recordSize(u16(sub + 6))
      const x = xAdvanceAt(format1)
      if (u16(sub) === 1) {
        const pairSet = sub + u16(sub + 10 + covered * 2)
        const stride = 2 + size1 + size2
        for (let k = 0; k < u16(pairSet); k++) {
          const pair = pairSet + 2 + k * stride
          if (u16(pair) === right) return x < 0 ? 0 : i16(pair + 2 + x)
        }
        continue
      }
      if (u16(sub) === 2) {
        const class1 = classOf(sub + u16(sub + 8), left)
        const class2 = classOf(sub + u16(sub + 10), right)
        const record = sub + 16 + (class1 * u16(sub + 14) + class2) * (size1 + size2)
        return x < 0 ? 0 : i16(record + x)
      }
    }
    return 0
  }

  return { unitsPerEm, glyphIndex, advance, kerning }
}

function popcount(n: number): number {
  let count = 0
  for (let v = n; v; v &= v - 1) count++
  return count
}

/** Path commands of one glyph in font units (y up): `M x y`, `L x y`, `Q cx cy x y`, `Z`, flattened into one array. */
export type GlyphPath = readonly (number | 'M' | 'L' | 'Q' | 'Z')[]

/**
 * Reads glyph outlines from a TrueType font's `glyf`/`loca` tables on demand (simple glyphs and
 * composites placed by x/y offsets, with their scales). Returns a lookup that gives the glyph's
 * path in font units, `[]` for a glyph without contours (a space), or `undefined` when the font
 * has no `glyf` table or the glyph uses a construct this reader does not handle (components placed
 * by point matching): the caller then leaves that text to resvg.
 * @example const outline = readGlyphOutlines(readFileSync(ttf)); outline(36) // ['M', 0, 0, 'L', ...]
 */
export function readGlyphOutlines(font: Uint8Array): (glyph: number) => GlyphPath | undefined {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength)
  const u16 = (at: number) => view.getUint16(at)
  const i16 = (at: number) => view.getInt16(at)
  const u32 = (at: number) => view.getUint32(at)
  const tables = new Map<string, number>()
  for (let i = 0; i < u16(4); i++) {
    const record = 12 + i * 16
    tables.set(String.fromCharCode(font[record]!, font[record + 1]!, font[record + 2]!, font[record + 3]!), u32(record + 8))
  }
  const glyf = tables.get('glyf')
  const loca = tables.get('loca')
  const head = tables.get('head')
  const maxp = tables.get('maxp')
  if (glyf === undefined || loca === undefined || head === undefined || maxp === undefined) return () => undefined
  const glyfAt: number = glyf
  const longOffsets = i16(head + 50) === 1
  const numGlyphs = u16(maxp + 4)
  const cache = new Map<number, GlyphPath | undefined>()

  const offset = (glyph: number) => (longOffsets ? u32(loca + glyph * 4) : u16(loca + glyph * 2) * 2)

  function outline(glyph: number, depth = 0): GlyphPath | undefined {
    if (cache.has(glyph)) return cache.get(glyph)
    const path = glyph < numGlyphs && depth < 8 ? read(glyph, depth) : undefined
    cache.set(glyph, path)
    return path
  }

  function read(glyph: number, depth: number): GlyphPath | undefined {
    const start = offset(glyph)
    if (offset(glyph + 1) === start) return []
    const at = glyfAt + start
    const contours = i16(at)
    return contours >= 0 ? simple(at, contours) : composite(at, depth)
  }

  function simple(at: number, contours: number): GlyphPath {
    const ends: number[] = []
    for (let c = 0; c < contours; c++) ends.push(u16(at + 10 + c * 2))
    const count = contours > 0 ? ends[contours - 1]! + 1 : 0
    let p = at + 12 + contours * 2 + u16(at + 10 + contours * 2)
    const flags = new Uint8Array(count)
    for (let i = 0; i < count; i++) {
      const flag = font[p++]!
      flags[i] = flag
      if (flag & 8) {
        for (let r = font[p++]!; r > 0; r--) flags[++i] = flag
      }
    }
    const xs = new Float64Array(count)
    const ys = new Float64Array(count)
    for (const [coords, short, same] of [
      [xs, 2, 16],
      [ys, 4, 32],
    ] as const) {
      let v = 0
      for (let i = 0; i < count; i++) {
        const flag = flags[i]!
        if (flag & short) {
          const d = font[p++]!
          v += flag & same ? d : -d
        } else if (!(flag & same)) {
          v += i16(p)
          p += 2
        }
        coords[i] = v
      }
    }
    const path: (number | 'M' | 'L' | 'Q' | 'Z')[] = []
    let first = 0
    for (const last of ends) {
      contour(path, first, last, xs, ys, flags)
      first = last + 1
    }
    return path
  }

  function composite(at: number, depth: number): GlyphPath | undefined {
    const path: (number | 'M' | 'L' | 'Q' | 'Z')[] = []
    let p = at + 10
    for (;;) {
      const flags = u16(p)
      const component = u16(p + 2)
      p += 4
      let dx: number
      let dy: number
      if (flags & 1) {
        dx = i16(p)
        dy = i16(p + 2)
        p += 4
      } else {
        dx = view.getInt8(p)
        dy = view.getInt8(p + 1)
        p += 2
      }
      // Components placed by matching points are rare in Latin fonts; leave such text to resvg.
      if (!(flags & 2)) return undefined
      let a = 1
      let b = 0
      let c = 0
      let d = 1
      if (flags & 8) {
        a = d = i16(p) / 16384
        p += 2
      } else if (flags & 0x40) {
        a = i16(p) / 16384
        d = i16(p + 2) / 16384
        p += 4
      } else if (flags & 0x80) {
        a = i16(p) / 16384
        b = i16(p + 2) / 16384
        c = i16(p + 4) / 16384
        d = i16(p + 6) / 16384
        p += 8
      }
      const part = outline(component, depth + 1)
      if (part === undefined) return undefined
      for (let i = 0; i < part.length; ) {
        const command = part[i++] as 'M' | 'L' | 'Q' | 'Z'
        path.push(command)
        const points = command === 'Q' ? 2 : command === 'Z' ? 0 : 1
        for (let k = 0; k < points; k++) {
          const x = part[i++] as number
          const y = part[i++] as number
          path.push(a * x + c * y + dx, b * x + d * y + dy)
        }
      }
      if (!(flags & 0x20)) return path
    }
  }

  return (glyph) => outline(glyph)
}

/** One TrueType contour (quadratic, with implied on-curve points between two off-curve ones) as path commands. */
function contour(
  path: (number | 'M' | 'L' | 'Q' | 'Z')[],
  first: number,
  last: number,
  xs: Float64Array,
  ys: Float64Array,
  flags: Uint8Array,
): void {
  if (last < first) return
  const on = (i: number) => (flags[i]! & 1) === 1
  let sx: number
  let sy: number
  let from: number
  let to: number
  if (on(first)) {
    sx = xs[first]!
    sy = ys[first]!
    from = first + 1
    to = last
  } else if (on(last)) {
    sx = xs[last]!
    sy = ys[last]!
    from = first
    to = last - 1
  } else {
    sx = (xs[first]! + xs[last]!) / 2
    sy = (ys[first]! + ys[last]!) / 2
    from = first
    to = last
  }
  path.push('M', sx, sy)
  let control = -1
  for (let i = from; i <= to; i++) {
    if (on(i)) {
      if (control >= 0) path.push('Q', xs[control]!, ys[control]!, xs[i]!, ys[i]!)
      else path.push('L', xs[i]!, ys[i]!)
      control = -1
    } else {
      if (control >= 0) path.push('Q', xs[control]!, ys[control]!, (xs[control]! + xs[i]!) / 2, (ys[control]! + ys[i]!) / 2)
      control = i
    }
  }
  if (control >= 0) path.push('Q', xs[control]!, ys[control]!, sx, sy)
  path.push('Z')
}

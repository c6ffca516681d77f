import { readFileSync } from 'node:fs'
import { type ChartFontFiles, chartFontFiles } from './chart-fonts.js'
import { type FontMetrics, readFontMetrics } from './font-metrics.js'

/** Measures text the way resvg will draw it with the bundled font. */
export interface TextMeasurer {
  /**
   * Advance width in CSS pixels of `text` set in DejaVu Sans at `fontSize` px, kerning included
   * (the same GPOS pair kerning resvg applies). `bold` selects DejaVu Sans Bold.
   */
  width(text: string, fontSize: number, bold?: boolean): number
}

interface MeasuredFont {
  readonly metrics: FontMetrics
  /** Glyph index and advance (font units) by character. */
  readonly glyphs: Map<string, { index: number; advance: number }>
  readonly kerning: Map<number, number>
}

/**
 * Builds a measurer over the bundled TTFs. Fonts are opened on first use (`readFontMetrics`,
 * which reads glyph advances and GPOS pair kerning from the file on demand, under a millisecond
 * to open) and glyphs, kerning pairs and whole strings are cached. Widths are the glyph advances
 * plus the `latn` script's pair kerning, which matches resvg to the pixel (and opentype.js 2.0,
 * which a test compares against).
 */
export function createTextMeasurer(files: ChartFontFiles = chartFontFiles()): TextMeasurer {
  let regular: MeasuredFont | undefined
  let bold: MeasuredFont | undefined
  const cache = new Map<string, number>()

  function fontFor(isBold: boolean): MeasuredFont {
    if (isBold) {
      bold ??= loadFont(files.bold)
      return bold
    }
    regular ??= loadFont(files.regular)
    return regular
  }

  return {
    width(text, fontSize, isBold = false) {
      if (!text || !(fontSize > 0)) return 0
      const key = `${isBold ? 'b' : 'r'}${text}`
      let units = cache.get(key)
      if (units === undefined) {
        units = measureUnits(fontFor(isBold), text)
        if (cache.size > 20_000) cache.clear()
        cache.set(key, units)
      }
      return units * fontSize
    },
  }
}

function loadFont(path: string): MeasuredFont {
  return { metrics: readFontMetrics(readFileSync(path)), glyphs: new Map(), kerning: new Map() }
}

/**
 * Characters that take no room and draw nothing when the font lacks them (format characters such
 * as the tags of a subdivision flag): any other character the font lacks is its missing-glyph
 * box, as wide as that box. The text measurer and the glyph outlines of `svg-text-paths.ts`
 * follow this rule alike, so what is drawn is what was measured.
 */
export const INVISIBLE_IF_MISSING = /^\p{Default_Ignorable_Code_Point}$/u

/** Width of `text` in ems (font units / unitsPerEm). */
function measureUnits(m: MeasuredFont, text: string): number {
  let total = 0
  let prev = -1
  for (const ch of text) {
    let glyph = m.glyphs.get(ch)
    if (!glyph) {
      const index = m.metrics.glyphIndex(ch.codePointAt(0) as number)
      glyph = { index, advance: index === 0 && INVISIBLE_IF_MISSING.test(ch) ? 0 : m.metrics.advance(index) }
      m.glyphs.set(ch, glyph)
    }
    if (glyph.index === 0 && glyph.advance === 0) continue
    total += glyph.advance
    if (prev >= 0) total += kern(m, prev, glyph.index)
    prev = glyph.index
  }
  return total / m.metrics.unitsPerEm
}

function kern(m: MeasuredFont, left: number, right: number): number {
  const key = left * 65_536 + right
  let value = m.kerning.get(key)
  if (value === undefined) {
    value = m.metrics.kerning(left, right)
    m.kerning.set(key, value)
  }
  return value
}

/** The parts of a vega scenegraph text item the width function reads. */
interface VegaTextItem {
  fontSize?: number | string
  fontWeight?: number | string
  limit?: number
}

/** vega-scenegraph's `textMetrics` object (exported by `vega` at run time, not in its typings). */
interface VegaTextMetrics {
  width: (item: VegaTextItem, text: unknown) => number
}

/**
 * Replaces vega's text width function (which, without `canvas`, guesses 0.8 x chars x size, about
 * 50% too wide for DejaVu) with real glyph metrics, so labels are neither truncated early nor
 * overlapping. Call once after importing vega; `vegaModule` is the `vega` namespace.
 */
export function installTextMetrics(vegaModule: object, measurer: TextMeasurer): void {
  const metrics = (vegaModule as { textMetrics?: VegaTextMetrics }).textMetrics
  if (!metrics) throw new Error('vega.textMetrics not found: the installed vega is not the expected version')
  metrics.width = (item, text) => {
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11
    const str = text == null ? '' : String(text).trim()
    const w = measurer.width(str, size, isBold(item.fontWeight))
    // vega truncates a limited label itself; the drawn width never exceeds the limit.
    const limit = Number(item.limit)
    return limit > 0 ? Math.min(w, limit) : w
  }
}

function isBold(weight: number | string | undefined): boolean {
  if (weight == null) return false
  if (typeof weight === 'number') return weight >= 600
  if (weight === 'bold' || weight === 'bolder') return true
  const n = Number(weight)
  return Number.isFinite(n) && n >= 600
}

let sharedMeasurer: TextMeasurer | undefined

/** The process-wide measurer over the bundled fonts (created on first use). */
export function chartTextMeasurer(): TextMeasurer {
  sharedMeasurer ??= createTextMeasurer()
  return sharedMeasurer
}

/**
 * Breaks `text` at spaces into lines no wider than `maxWidth` CSS pixels at `fontSize`. A single
 * word wider than that (a stage or region name with no spaces) is broken between its characters,
 * never inside one (an accent stays on its letter), so a title can never widen the image past
 * the chart. Used for titles and labels, which vega never wraps by itself.
 * @example wrapText('Win rate fell below its normal range in June', 200, 16, true) // two lines
 */
export function wrapText(text: string, maxWidth: number, fontSize: number, bold = false, measurer = chartTextMeasurer()): string[] {
  const fits = (t: string) => measurer.width(t, fontSize, bold) <= maxWidth
  // Only plain spaces break a line: a no-break space (U+00A0) keeps `n = deals` together.
  const words = text.split(/[ \t\n]+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word
    if (fits(candidate)) {
      line = candidate
      continue
    }
    if (line) lines.push(line)
    line = word
    if (fits(word)) continue
    // A word wider than a whole line: as many characters as fit on each line, the rest on the next.
    const pieces = splitWord(word, fits)
    lines.push(...pieces.slice(0, -1))
    line = pieces[pieces.length - 1] ?? ''
  }
  if (line) lines.push(line)
  return lines
}

// What joins the character before it: combining marks (accents, variation selectors), the
// zero-width joiner, skin tones and the tags of a subdivision flag.
const EXTENDS = /^(?:\p{M}|\u200d|[\u{1F3FB}-\u{1F3FF}]|[\u{E0020}-\u{E007F}])$/u
const REGIONAL_INDICATOR = /^[\u{1F1E6}-\u{1F1FF}]$/u

/**
 * `text` as user-perceived characters, the units a label may be cut between: a letter with its
 * accents (`u` + U+0308), an emoji with its skin tone or joined sequence, a flag. A small subset
 * of Unicode's grapheme rules, enough for names; `Intl.Segmenter` would cost a chart's first
 * render 10-40 ms to load ICU's break rules.
 * @example characters('Zu\u0308rich') // ['Z', 'u\u0308', 'r', 'i', 'c', 'h']
 */
export function characters(text: string): string[] {
  const out: string[] = []
  let joined = false
  for (const ch of text) {
    const last = out[out.length - 1]
    const flag = last !== undefined && REGIONAL_INDICATOR.test(ch) && REGIONAL_INDICATOR.test(last)
    if (last !== undefined && (joined || flag || EXTENDS.test(ch))) out[out.length - 1] = last + ch
    else out.push(ch)
    joined = ch === '\u200d'
  }
  return out
}

/** `word` cut into pieces that each `fit` (at least one character each), between user-perceived characters. */
function splitWord(word: string, fits: (text: string) => boolean): string[] {
  const pieces: string[] = []
  let piece = ''
  for (const segment of characters(word)) {
    if (piece && !fits(piece + segment)) {
      pieces.push(piece)
      piece = segment
    } else {
      piece += segment
    }
  }
  if (piece) pieces.push(piece)
  return pieces
}

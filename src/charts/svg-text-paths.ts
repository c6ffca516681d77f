import { readFileSync } from 'node:fs'
import { type ChartFontFiles, chartFontFiles } from './chart-fonts.js'
import { CHART_FONT } from './chart-theme.js'
import { type FontMetrics, readFontMetrics } from './font-metrics.js'
import { type GlyphPath, readGlyphOutlines } from './glyph-outlines.js'
import { INVISIBLE_IF_MISSING } from './text-metrics.js'

interface OutlineFont {
  readonly metrics: FontMetrics
  readonly outline: (glyph: number) => GlyphPath | undefined
  readonly glyphs: Map<string, number>
  readonly kerning: Map<number, number>
}

/** Attributes a `<text>` may carry and still be drawn as a path; anything else leaves it to resvg. */
const KEPT = new Set(['transform', 'fill', 'stroke', 'stroke-width', 'stroke-linejoin', 'stroke-opacity', 'fill-opacity', 'opacity'])
const READ = new Set(['text-anchor', 'font-family', 'font-size', 'font-weight', 'font-style', 'aria-label', 'role', 'aria-roledescription'])
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
/** Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms: text laid out right to left. */
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/

/**
 * Replaces the `<text>` elements of a vega SVG by `<path>` elements holding their glyph outlines,
 * laid out with the same advances and GPOS kerning resvg uses, so resvg only fills paths: its own
 * text layout reopens the font file for every glyph (about 0.03 ms a glyph, 20 ms for a chart).
 * Only DejaVu Sans text whose attributes are understood (anchor, size, bold, fill, stroke, opacity,
 * transform, `<tspan>` lines placed by `x`/`dy`) is converted; any other text stays for resvg to
 * draw. Italic is drawn upright, as resvg does without an italic face. Pure apart from reading the
 * bundled fonts once.
 * @example const png = await resvg.renderAsync(outlineSvgText(svg), options)
 */
export function outlineSvgText(svg: string, fonts: SvgTextFonts = chartOutlineFonts()): string {
  let done = converted.get(fonts)
  if (!done) {
    done = new Map()
    converted.set(fonts, done)
  }
  const memo = done
  return svg.replace(/<text\b([^>]*?)(?:\/>|>([\s\S]*?)<\/text>)/g, (element, attrs: string, content: string | undefined) => {
    if (!content) return element
    // Axis labels and titles recur from one render to the next: remember the last few thousand.
    let path = memo.get(element)
    if (path === undefined) {
      path = textToPath(attrs, content, fonts) ?? element
      if (memo.size >= 4000) memo.clear()
      memo.set(element, path)
    }
    return path
  })
}

const converted = new WeakMap<SvgTextFonts, Map<string, string>>()

/** The fonts {@link outlineSvgText} draws with: DejaVu Sans and DejaVu Sans Bold. */
export interface SvgTextFonts {
  font(bold: boolean): OutlineFont
}

let shared: SvgTextFonts | undefined

/** The bundled DejaVu fonts, opened on first use and shared by every render. */
export function chartOutlineFonts(files: ChartFontFiles = chartFontFiles()): SvgTextFonts {
  if (shared && files === chartFontFiles()) return shared
  let regular: OutlineFont | undefined
  let bold: OutlineFont | undefined
  const open = (path: string): OutlineFont => {
    const bytes = readFileSync(path)
    return { metrics: readFontMetrics(bytes), outline: readGlyphOutlines(bytes), glyphs: new Map(), kerning: new Map() }
  }
  const fonts: SvgTextFonts = {
    font(isBold) {
      if (isBold) {
        bold ??= open(files.bold)
        return bold
      }
      regular ??= open(files.regular)
      return regular
    },
  }
  if (files === chartFontFiles()) shared = fonts
  return fonts
}

function textToPath(attrs: string, content: string, fonts: SvgTextFonts): string | undefined {
  const kept: string[] = []
  let anchor = 'start'
  let size = 0
  let bold = false
  for (const [, name, value] of attrs.matchAll(/\s([\w:-]+)="([^"]*)"/g)) {
    if (KEPT.has(name!)) kept.push(`${name}="${value}"`)
    else if (!READ.has(name!)) return undefined
    else if (name === 'text-anchor') {
      if (value !== 'start' && value !== 'middle' && value !== 'end') return undefined
      anchor = value
    } else if (name === 'font-family') {
      if (value !== CHART_FONT) return undefined
    } else if (name === 'font-size') {
      const m = /^(\d+(?:\.\d+)?)(?:px)?$/.exec(value!)
      if (!m) return undefined
      size = Number(m[1])
    } else if (name === 'font-weight') {
      if (value === 'bold' || value === '700') bold = true
      else if (value !== 'normal' && value !== '400') return undefined
    } else if (name === 'font-style') {
      if (value !== 'normal' && value !== 'italic') return undefined
    }
  }
  if (!(size > 0)) return undefined
  const lines = splitLines(content)
  if (!lines) return undefined
  // Right-to-left scripts need reordering and (Arabic) joined letter forms: resvg's own layout does both.
  if (lines.some((line) => RIGHT_TO_LEFT.test(line.text))) return undefined
  const font = fonts.font(bold)
  const scale = size / font.metrics.unitsPerEm
  let d = ''
  let y = 0
  for (const line of lines) {
    y += line.dy
    const glyphs: number[] = []
    const pens: number[] = []
    let pen = 0
    let prev = -1
    for (const ch of line.text) {
      const glyph = glyphOf(font, ch)
      // A character the font lacks is its missing-glyph box, measured so; resvg's own layout would
      // run the text after an emoji sequence (skin tone, zero-width joiner) into its boxes.
      if (glyph === 0 && INVISIBLE_IF_MISSING.test(ch)) continue
      if (prev >= 0) pen += kerning(font, prev, glyph)
      glyphs.push(glyph)
      pens.push(pen)
      pen += font.metrics.advance(glyph)
      prev = glyph
    }
    const start = line.x - (anchor === 'middle' ? (pen * scale) / 2 : anchor === 'end' ? pen * scale : 0)
    for (let i = 0; i < glyphs.length; i++) {
      const path = font.outline(glyphs[i]!)
      if (path === undefined) return undefined
      d += pathData(path, start + pens[i]! * scale, y, scale)
    }
  }
  return `<path${kept.map((a) => ` ${a}`).join('')} d="${d || 'M0 0'}"/>`
}

interface TextLine {
  text: string
  x: number
  dy: number
}

/** The text's lines: plain text, or `<tspan>`s where every one after the first starts a line (`x`, `dy`). Undefined for anything else. */
function splitLines(content: string): TextLine[] | undefined {
  if (!content.includes('<')) {
    const text = decode(content)
    return text === undefined ? undefined : [{ text, x: 0, dy: 0 }]
  }
  const lines: TextLine[] = []
  let understood = true
  const rest = content.replace(/<tspan((?:\s(?:x|dy)="-?[\d.]+")*)>([^<]*)<\/tspan>/g, (_, attrs: string, inner: string) => {
    const x = /\sx="(-?[\d.]+)"/.exec(attrs)
    const dy = /\sdy="(-?[\d.]+)"/.exec(attrs)
    const text = decode(inner)
    // The first line starts at the text's origin; every later one restarts at x and moves by dy.
    if (text === undefined || (lines.length > 0 ? !x : x || dy)) understood = false
    lines.push({ text: text ?? '', x: x ? Number(x[1]) : 0, dy: dy ? Number(dy[1]) : 0 })
    return ''
  })
  if (!understood || rest !== '' || lines.length === 0) return undefined
  if (lines.some((l) => !Number.isFinite(l.x) || !Number.isFinite(l.dy))) return undefined
  return lines
}

/** XML text to characters; undefined when SVG's whitespace handling would change it (leading, trailing, repeated, tabs, newlines). */
function decode(raw: string): string | undefined {
  let known = true
  const text = raw.replace(/&(#x[\da-f]+|#\d+|\w+);/gi, (entity, name: string) => {
    if (name[0] === '#')
      return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)))
    const ch = ENTITIES[name]
    if (ch === undefined) known = false
    return ch ?? entity
  })
  if (!known || /[\t\n\r]| {2}|^ | $/.test(text)) return undefined
  return text
}

function glyphOf(font: OutlineFont, ch: string): number {
  let glyph = font.glyphs.get(ch)
  if (glyph === undefined) {
    glyph = font.metrics.glyphIndex(ch.codePointAt(0) as number)
    font.glyphs.set(ch, glyph)
  }
  return glyph
}

function kerning(font: OutlineFont, left: number, right: number): number {
  const key = left * 65_536 + right
  let value = font.kerning.get(key)
  if (value === undefined) {
    value = font.metrics.kerning(left, right)
    font.kerning.set(key, value)
  }
  return value
}

/** A glyph's commands placed at (x, y) in CSS pixels (y down), coordinates to 1/100 px. */
function pathData(path: GlyphPath, x: number, y: number, scale: number): string {
  let d = ''
  for (let i = 0; i < path.length; ) {
    const command = path[i++] as 'M' | 'L' | 'Q' | 'Z'
    d += command
    const points = command === 'Q' ? 2 : command === 'Z' ? 0 : 1
    for (let k = 0; k < points; k++) {
      const px = x + (path[i++] as number) * scale
      const py = y - (path[i++] as number) * scale
      d += `${k > 0 ? ' ' : ''}${round(px)} ${round(py)}`
    }
  }
  return d
}

function round(v: number): number {
  return Math.round(v * 100) / 100 + 0
}

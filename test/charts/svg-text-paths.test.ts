import { readFileSync } from 'node:fs'
import { Resvg } from '@resvg/resvg-js'
import { parse } from 'opentype.js/dist/opentype.mjs'
import { describe, expect, it } from 'vitest'
import { chartFontFiles } from '../../src/charts/chart-fonts.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { readGlyphOutlines } from '../../src/charts/glyph-outlines.js'
import { renderChartSvg } from '../../src/charts/render-chart.js'
import { buildReportChart, CHART_KINDS } from '../../src/charts/render-report-chart.js'
import { chartOutlineFonts, outlineSvgText } from '../../src/charts/svg-text-paths.js'
import { chartTextMeasurer } from '../../src/charts/text-metrics.js'

const files = chartFontFiles()
const samples = sampleChartInputs()

function rasterize(svg: string): Buffer {
  return new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: '#ffffff',
    font: { loadSystemFonts: false, fontFiles: [files.regular, files.bold], defaultFontFamily: 'DejaVu Sans' },
    logLevel: 'off',
  }).render().pixels
}

describe('readGlyphOutlines', () => {
  it.each([
    ['regular', files.regular],
    ['bold', files.bold],
  ])('gives the same contours as opentype.js (%s), composites included', (_, file) => {
    const bytes = readFileSync(file)
    const outline = readGlyphOutlines(bytes)
    const reference = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    for (const ch of 'AgQ%$0123456789·→éÅñ–,.') {
      const glyph = reference.charToGlyph(ch)
      const ours = outline(glyph.index)
      expect(ours, ch).toBeDefined()
      // Compare on-curve end points of every segment (the way contours are split into commands may differ).
      const points = (cmds: readonly (number | string)[]) => cmds.filter((c) => typeof c === 'number').length
      expect(points(ours!), ch).toBeGreaterThan(0)
      const theirs = glyph.path.commands.filter((c) => c.type !== 'Z')
      const ends = theirs.map((c) => `${Math.round(c.x)},${Math.round(c.y)}`).sort()
      const ourEnds: string[] = []
      for (let i = 0; i < ours!.length; ) {
        const c = ours![i++]
        if (c === 'Z') continue
        if (c === 'Q') i += 2
        ourEnds.push(`${Math.round(ours![i] as number)},${Math.round(ours![i + 1] as number)}`)
        i += 2
      }
      expect(new Set(ourEnds), ch).toEqual(new Set(ends))
    }
    expect(outline(reference.charToGlyph(' ').index)).toEqual([])
  })
})

describe('outlineSvgText', () => {
  it.each(CHART_KINDS)('%s: every text becomes a path and the picture matches resvg drawing the text itself', async (kind) => {
    const { svg } = await renderChartSvg(buildReportChart(kind, samples[kind]).spec)
    const outlined = outlineSvgText(svg)
    // Only empty labels (nothing to draw) stay as <text>.
    expect(outlined.match(/<text\b[^>]*>[^<]/g)).toBeNull()
    const a = rasterize(svg)
    const b = rasterize(outlined)
    let differing = 0
    let total = 0
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!)
      if (d > 0) differing++
      total += d
    }
    // Anti-aliasing at glyph edges may differ by a shade; positions and shapes do not.
    expect(differing / a.length).toBeLessThan(0.003)
    expect(total / a.length).toBeLessThan(0.05)
  })

  it('lays out anchors, tspan lines, bold and entities, and leaves text it does not understand to resvg', () => {
    const fonts = chartOutlineFonts()
    const path = (text: string) => outlineSvgText(text, fonts)
    const start = path('<text font-family="DejaVu Sans" font-size="10px" fill="#111">A &amp; B</text>')
    expect(start).toMatch(/^<path fill="#111" d="M[^"]+"\/>$/)
    const middle = path('<text text-anchor="middle" font-family="DejaVu Sans" font-size="10px">A &amp; B</text>')
    const firstX = (s: string) => Number(/d="M(-?[\d.]+)/.exec(s)![1])
    expect(firstX(middle)).toBeLessThan(firstX(start))
    const bold = path('<text font-family="DejaVu Sans" font-size="10px" font-weight="bold">A &amp; B</text>')
    expect(bold).not.toEqual(start)
    const lines = path('<text font-family="DejaVu Sans" font-size="10px"><tspan>Jun</tspan><tspan x="0" dy="14">2025</tspan></text>')
    expect(lines).toMatch(/^<path d="/)
    for (const kept of [
      '<text font-family="Arial" font-size="10px">A</text>',
      '<text font-family="DejaVu Sans" font-size="10px" letter-spacing="2">A</text>',
      '<text font-family="DejaVu Sans" font-size="10px"> A</text>',
      '<text font-family="DejaVu Sans" font-size="10px"><tspan dx="3">A</tspan></text>',
    ]) {
      expect(path(kept)).toBe(kept)
    }
  })

  it('leaves Hebrew and Arabic names to resvg, which lays them out right to left with joined letters, instead of outlining their letters left to right', () => {
    const svgOf = (text: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40"><text transform="translate(10,28)" font-family="DejaVu Sans" font-size="16px" fill="#111">${text}</text></svg>`
    for (const name of [
      '\u05d9\u05e9\u05e8\u05d0\u05dc',
      '\u0627\u0644\u0634\u0631\u0642 \u0627\u0644\u0623\u0648\u0633\u0637',
      'Region: \u05d9\u05e9\u05e8\u05d0\u05dc',
    ]) {
      const svg = svgOf(name)
      const outlined = outlineSvgText(svg)
      expect(outlined, name).toBe(svg)
      expect(rasterize(outlined).equals(rasterize(svg)), name).toBe(true)
    }
    expect(outlineSvgText(svgOf('Z\u00fcrich'))).not.toContain('<text')
  })

  it('draws a character the font lacks as its missing-glyph box, as wide as measured, so the text after an emoji sequence is not drawn over it', () => {
    const svgOf = (text: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text transform="translate(10,28)" font-family="DejaVu Sans" font-size="16px" fill="#111">${text}</text></svg>`
    const measurer = chartTextMeasurer()
    for (const [sequence, boxes] of [
      ['\u{1F44D}\u{1F3FD} x', '\u{1F44D}\u{1F44D} x'], // skin tone: two boxes
      ['\u{1F469}\u200d\u{1F4BB} x', '\u{1F469}\u{1F469} x'], // zero-width joiner: two boxes
      ['\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} x', '\u{1F3F4} x'], // a flag's tags take no room
    ] as const) {
      const outlined = outlineSvgText(svgOf(sequence))
      expect(rasterize(outlined).equals(rasterize(outlineSvgText(svgOf(boxes)))), sequence).toBe(true)
      expect(outlined, sequence).not.toContain('<text')
      expect(measurer.width(sequence, 16)).toBe(measurer.width(boxes, 16))
    }
    expect(outlineSvgText('<text font-family="DejaVu Sans" font-size="10px">\u{10FFFD}</text>')).toMatch(/^<path d="M/)
  })
})

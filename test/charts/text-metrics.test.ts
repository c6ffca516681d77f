import { Resvg } from '@resvg/resvg-js'
import { describe, expect, it } from 'vitest'
import { chartFontFiles } from '../../src/charts/chart-fonts.js'
import { CHART_FONT } from '../../src/charts/chart-theme.js'
import { characters, createTextMeasurer, installTextMetrics, wrapText } from '../../src/charts/text-metrics.js'

/** The advance width resvg actually draws `text` with (bbox right edge of `text|` minus that of `|`). */
function resvgWidth(text: string, size: number, weight = 'normal'): number {
  const files = chartFontFiles()
  const opts = { font: { loadSystemFonts: false, fontFiles: [files.regular, files.bold], defaultFontFamily: CHART_FONT } }
  const right = (t: string) => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="60"><text x="0" y="40" font-family="${CHART_FONT}" font-weight="${weight}" font-size="${size}">${t}|</text></svg>`
    const box = new Resvg(svg, opts).getBBox()!
    return box.x + box.width
  }
  return right(text.replace(/&/g, '&amp;').replace(/</g, '&lt;')) - right('')
}

describe('text metrics', () => {
  const measurer = createTextMeasurer()

  it('measures text as resvg draws it, kerning included, within 1%', () => {
    for (const text of [
      'Win rate fell below its normal range in June',
      'AVATAR To Yo Wa',
      '$1.2M \u00b7 41% \u00b7 Negotiation',
      'P. F. r, y. Vo Ty 7.',
    ]) {
      for (const bold of [false, true]) {
        const expected = resvgWidth(text, 20, bold ? 'bold' : 'normal')
        expect(Math.abs(measurer.width(text, 20, bold) - expected) / expected).toBeLessThan(0.01)
      }
    }
  })

  it("is far narrower than vega's canvas-less estimate of 0.8 x chars x size", () => {
    const text = 'North America 10k-50k'
    expect(measurer.width(text, 11)).toBeLessThan(0.8 * text.length * 11 * 0.8)
  })

  it('replaces vega.textMetrics.width and respects a label limit', () => {
    const fake = { textMetrics: { width: (_item: object, _text: unknown) => 0 } }
    installTextMetrics(fake, measurer)
    expect(fake.textMetrics.width({ fontSize: 11 }, 'Qualified')).toBeCloseTo(measurer.width('Qualified', 11), 6)
    expect(fake.textMetrics.width({ fontSize: 11, fontWeight: 'bold' }, 'Qualified')).toBeCloseTo(measurer.width('Qualified', 11, true), 6)
    expect(fake.textMetrics.width({ fontSize: 11, limit: 20 }, 'Qualified')).toBe(20)
    expect(fake.textMetrics.width({}, 'Qualified')).toBeCloseTo(measurer.width('Qualified', 11), 6)
  })

  it('wraps text into lines no wider than the limit, keeping no-break spaces together', () => {
    const lines = wrapText('Win rate fell below its normal range in June', 200, 16, true, measurer)
    expect(lines.length).toBeGreaterThan(1)
    expect(lines.join(' ')).toBe('Win rate fell below its normal range in June')
    for (const line of lines) expect(measurer.width(line, 16, true)).toBeLessThanOrEqual(200)
    const joined = measurer.width('n\u00a0=\u00a0deals', 12)
    expect(wrapText('aaa n\u00a0=\u00a0deals', joined + 1, 12, false, measurer)).toEqual(['aaa', 'n\u00a0=\u00a0deals'])
  })

  it('splits text into the characters a reader sees: accents, skin tones, joined emoji and flags stay whole', () => {
    expect(characters('Zu\u0308rich')).toEqual(['Z', 'u\u0308', 'r', 'i', 'c', 'h'])
    expect(characters('\u{1F44D}\u{1F3FD}\u{1F469}\u200d\u{1F4BB}\u2764\ufe0f')).toEqual([
      '\u{1F44D}\u{1F3FD}',
      '\u{1F469}\u200d\u{1F4BB}',
      '\u2764\ufe0f',
    ])
    expect(characters('\u{1F1EA}\u{1F1FA}\u{1F1EB}\u{1F1F7}\u{1F1E9}')).toEqual(['\u{1F1EA}\u{1F1FA}', '\u{1F1EB}\u{1F1F7}', '\u{1F1E9}'])
    expect(characters('\u{1F3F4}\u{E0067}\u{E0062}\u{E007F} x')).toEqual(['\u{1F3F4}\u{E0067}\u{E0062}\u{E007F}', ' ', 'x'])
  })

  it('breaks a word wider than the limit between its characters, accents kept on their letters', () => {
    const word = 'Verhandlungsabschlussvorbereitungsgespra\u0308chsterminvereinbarungsbesta\u0308tigungsphase'
    const lines = wrapText(`Lost at ${word} mostly`, 200, 16, true, measurer)
    expect(lines.length).toBeGreaterThan(2)
    for (const line of lines) expect(measurer.width(line, 16, true)).toBeLessThanOrEqual(200)
    expect(lines.join('').replace(/ /g, '')).toBe(`Lostat${word}mostly`)
    for (const line of lines) expect(line).not.toMatch(/^\u0308/)
    // The start of the long word shares the line with the words before it only when it fits there whole.
    expect(lines[0]).toBe('Lost at')
  })
})

import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { rasterizeSvg, renderChart, renderChartSvg } from '../../src/charts/render-chart.js'
import { buildReportChart, CHART_KINDS, renderReportChart } from '../../src/charts/render-report-chart.js'
import { AppError } from '../../src/errors.js'

const samples = sampleChartInputs()

function decode(png: Buffer): PNG {
  return PNG.sync.read(png)
}

/** Share of pixels that are not (near) white. */
function inkShare(img: PNG): number {
  let ink = 0
  for (let i = 0; i < img.data.length; i += 4) {
    if (img.data[i]! < 245 || img.data[i + 1]! < 245 || img.data[i + 2]! < 245) ink++
  }
  return ink / (img.width * img.height)
}

function differingPixels(a: PNG, b: PNG): number {
  let diff = 0
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) diff++
  }
  return diff
}

describe('renderChart', () => {
  it.each(CHART_KINDS)('%s renders to a 2x PNG on white that decodes, is not blank and has its text drawn', async (kind) => {
    const chart = buildReportChart(kind, samples[kind])
    const { svg, width, height } = await renderChartSvg(chart.spec)
    expect(svg).toContain('font-family="DejaVu Sans"')
    const image = await rasterizeSvg(svg)
    const png = decode(image.png)
    expect([png.width, png.height]).toEqual([Math.round(width * 2), Math.round(height * 2)])
    expect([image.width, image.height]).toEqual([png.width, png.height])
    expect(png.width).toBeGreaterThanOrEqual(800)
    expect(png.width).toBeLessThanOrEqual(1400)
    expect(image.png.length).toBeLessThan(250_000)
    // White background in the corner, ink in the body.
    expect([...png.data.subarray(0, 4)]).toEqual([255, 255, 255, 255])
    expect(inkShare(png)).toBeGreaterThan(0.03)
    // Text really is drawn: removing every <text> changes many pixels.
    const textless = decode((await rasterizeSvg(svg.replace(/<text\b[^>]*>.*?<\/text>/gs, ''))).png)
    expect(differingPixels(png, textless)).toBeGreaterThan(2_000)
  })

  it('renderReportChart returns the PNG with its title and alt text', async () => {
    const chart = await renderReportChart('losses', samples.losses)
    expect(chart.title).toMatch(/lost late/)
    expect(chart.altText).toContain('Negotiation: 412 lost')
    expect(decode(chart.png).width).toBe(chart.width)
  })

  it('honours a pixel ratio', async () => {
    const spec = buildReportChart('healthScores', samples.healthScores).spec
    const [one, two] = await Promise.all([renderChart(spec, { pixelRatio: 1 }), renderChart(spec)])
    expect(two.width).toBe(one.width * 2)
  })

  it('turns an error inside vega into an AppError instead of a blank image', async () => {
    const bad = {
      data: { values: [{ a: 1 }] },
      transform: [{ calculate: 'nosuchfunction(datum.a)', as: 'b' }],
      mark: 'point',
      encoding: { x: { field: 'b', type: 'quantitative' } },
    }
    await expect(renderChart(bad as never)).rejects.toBeInstanceOf(AppError)
  })
})

describe('renderChart errors vega only logs', () => {
  it("reports the dataflow error itself, not vega's unrelated follow-up", async () => {
    const bad = {
      data: { values: [{ a: 1 }] },
      transform: [{ calculate: 'datum.a.b.c', as: 'b' }],
      mark: 'point',
      encoding: { x: { field: 'b', type: 'quantitative' } },
    }
    const error = await renderChart(bad as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).message).not.toContain('marktype')
  })
})

describe('rasterizeSvg', () => {
  it('leaves the event loop free while it rasterises and compresses', async () => {
    const { svg } = await renderChartSvg(buildReportChart('winrate', samples.winrate).spec)
    let ticks = 0
    let running = true
    const tick = () => {
      ticks++
      if (running) setImmediate(tick)
    }
    setImmediate(tick)
    await rasterizeSvg(svg)
    running = false
    expect(ticks).toBeGreaterThan(5)
  })
})

describe('empty reports', () => {
  it('still render to a readable image with a title', async () => {
    const inputs = [
      buildReportChart('winrate', { ...samples.winrate, months: [] }),
      buildReportChart('stalled', { ...samples.stalled, stalled: [], stalledCount: 0, stalledAmount: 0 }),
      buildReportChart('healthScores', { scores: [] }),
    ]
    for (const chart of inputs) {
      const png = decode((await renderChart(chart.spec)).png)
      expect(png.width).toBeGreaterThan(1000)
      expect(inkShare(png)).toBeGreaterThan(0.005)
    }
  })
})

describe('determinism', () => {
  it('draws byte-identical PNGs for the same spec, also when charts render concurrently', async () => {
    const specs = CHART_KINDS.map((kind) => buildReportChart(kind, samples[kind]).spec)
    const sequential: Buffer[] = []
    for (const spec of specs) sequential.push((await renderChart(spec)).png)
    const concurrent = await Promise.all(specs.map((spec) => renderChart(spec)))
    concurrent.forEach((image, i) => {
      expect(Buffer.compare(image.png, sequential[i]!)).toBe(0)
    })
  })
})

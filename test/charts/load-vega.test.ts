import * as vega from 'vega'
import * as vegaEncode from 'vega-encode'
import * as vegaLite from 'vega-lite'
import * as vegaTransforms from 'vega-transforms'
import * as vegaViewTransforms from 'vega-view-transforms'
import { describe, expect, it } from 'vitest'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { CHART_CONFIG } from '../../src/charts/chart-theme.js'
import { loadVega } from '../../src/charts/load-vega.js'
import { buildReportChart, CHART_KINDS } from '../../src/charts/render-report-chart.js'

const samples = sampleChartInputs()

describe('loadVega', () => {
  it('compiles every chart to the same vega spec as vega-lite, through its single-file build', async () => {
    const runtime = await loadVega()
    // The bundle, not the ES module entry (which would load all of vega): a silent fallback would undo the start-up saving.
    expect(runtime.compile).not.toBe(vegaLite.compile)
    expect(await loadVega()).toBe(runtime)
    for (const kind of CHART_KINDS) {
      const spec = buildReportChart(kind, samples[kind]).spec
      expect(runtime.compile(spec, { config: CHART_CONFIG }).spec, kind).toEqual(vegaLite.compile(spec, { config: CHART_CONFIG }).spec)
    }
  })

  it('hands out the same View, parser and text metrics as the vega bundle', async () => {
    const runtime = await loadVega()
    expect(runtime.View).toBe(vega.View)
    expect(runtime.parse).toBe(vega.parse)
    expect((runtime.scenegraph as { textMetrics?: unknown }).textMetrics).toBe((vega as unknown as { textMetrics: unknown }).textMetrics)
  })

  it('registers every transform the charts use (the geo, force, label and other vega transforms are not loaded)', async () => {
    const runtime = await loadVega()
    const registered = new Set([vegaTransforms, vegaViewTransforms, vegaEncode].flatMap((m) => Object.keys(m)))
    const used = new Set<string>()
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect)
      else if (node && typeof node === 'object') {
        const transform = (node as { transform?: Array<{ type: string }> }).transform
        if (Array.isArray(transform)) for (const t of transform) used.add(t.type)
        Object.values(node).forEach(collect)
      }
    }
    for (const kind of CHART_KINDS) collect(runtime.compile(buildReportChart(kind, samples[kind]).spec, { config: CHART_CONFIG }).spec)
    expect(used.size).toBeGreaterThan(0)
    for (const type of used) expect(registered, type).toContain(type)
  })
})

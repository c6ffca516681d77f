import { describe, expect, it } from 'vitest'
import { lossesReport } from '../../src/analytics/losses-report.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { COLORS } from '../../src/charts/chart-theme.js'
import { driversChart } from '../../src/charts/drivers-chart.js'
import { funnelChart } from '../../src/charts/funnel-chart.js'
import { healthScoreChart } from '../../src/charts/health-score-chart.js'
import { lossesChart } from '../../src/charts/losses-chart.js'
import { healthScoresFromDeals, reliabilityFromTable } from '../../src/charts/model-chart-inputs.js'
import { reliabilityChart } from '../../src/charts/reliability-chart.js'
import { renderChartSvg } from '../../src/charts/render-chart.js'
import { stalledChart } from '../../src/charts/stalled-chart.js'
import { chartTextMeasurer } from '../../src/charts/text-metrics.js'
import { allViews, type Json, mainRows, viewNamed } from './spec-helpers.js'

const samples = sampleChartInputs()

describe('lossesChart', () => {
  it('draws stages in stage order, not size order, with count, amount and share labels', () => {
    const { spec } = lossesChart(samples.losses)
    const rows = mainRows(spec)
    expect(rows.map((r: Json) => r.stage)).toEqual(['Qualified', 'Demo', 'Proposal', 'Negotiation'])
    expect((spec as Json).encoding.y.sort).toEqual(['Qualified', 'Demo', 'Proposal', 'Negotiation'])
    expect(rows.find((r: Json) => r.stage === 'Negotiation').label).toBe('412 lost \u00b7 $21.3M \u00b7 32%')
    expect(viewNamed(spec, 'barLabels').encoding.text.field).toBe('label')
  })

  it('highlights late stages and says how much is lost late', () => {
    const chart = lossesChart(samples.losses)
    const color = allViews(chart.spec).find((v) => v.encoding?.color)?.encoding.color
    expect(color.scale).toEqual({ domain: ['Late stage', 'Earlier stage'], range: [COLORS.highlight, COLORS.neutral] })
    const late = mainRows(chart.spec)
      .filter((r: Json) => r.group === 'Late stage')
      .map((r: Json) => r.stage)
    expect(late).toEqual(['Proposal', 'Negotiation'])
    expect(chart.title).toBe('55% of lost deals ($36.1M) were lost late, at Proposal or Negotiation')
  })

  it("draws a configured pipeline's stages in the report's own stage order, not the default stages' order", () => {
    const openStages = ['Discovery', 'Technical review', 'Demo', 'Security review', 'Proposal', 'Legal', 'Negotiation', 'Signature']
    const lost = [7, 30, 12, 25, 3, 40, 18, 9]
    const rows = openStages.map((stage, i) => ({ stage, lost: lost[i]!, lostAmount: lost[i]! * 1000, daysSpent: lost[i]! * 20 }))
    const report = lossesReport(rows, { openStages, lateStages: openStages.slice(-2) }, { asOf: '2024-07-20' })
    const { spec } = lossesChart(report)
    expect(mainRows(spec).map((r: Json) => r.stage)).toEqual(openStages)
    expect((spec as Json).encoding.y.sort).toEqual(openStages)
  })

  it('follows a custom stage order', () => {
    const { spec } = lossesChart(samples.losses, { stageOrder: ['Demo', 'Qualified', 'Proposal', 'Negotiation'] })
    expect(mainRows(spec).map((r: Json) => r.stage)).toEqual(['Demo', 'Qualified', 'Proposal', 'Negotiation'])
  })
})

describe('funnelChart', () => {
  it('says under its title how many lost or open deals are in no bar (a stage outside the open ones), so the won share is read as of the deals drawn', () => {
    const chart = funnelChart({ ...samples.funnel, unplaced: 929 })
    const subtitle = (chart.spec as Json).title.subtitle as string[]
    expect(subtitle.join(' ')).toContain(
      '929 lost or open deals are left out: their stage is not one of the open stages, or not on record.',
    )
    expect(chart.altText).toContain('929 lost or open deals are left out')
    expect(((funnelChart(samples.funnel).spec as Json).title.subtitle as string[]).join(' ')).not.toContain('left out')
  })

  it('shows reached and advanced per stage with conversion labels, the last stage as won', () => {
    const chart = funnelChart(samples.funnel)
    const rows = mainRows(chart.spec)
    expect(rows.map((r: Json) => r.stage)).toEqual(['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'])
    expect(rows[0].label).toBe('5,200 \u2192 79% advance \u00b7 388 lost')
    expect(rows[4]).toMatchObject({ won: true, label: '1,720 won' })
    const fields = allViews(chart.spec).flatMap((v) => (v.encoding?.x?.field ? [v.encoding.x.field] : []))
    expect(fields).toEqual(expect.arrayContaining(['reached', 'advanced']))
    expect(rows.find((r: Json) => r.topLeak).stage).toBe('Negotiation')
    expect(chart.title).toBe('Negotiation leaks the most: 16% of deals reaching it are lost')
  })
})

describe('funnelChart of a stage no deal reached', () => {
  it('says none reached it, as the text report gives no conversion (-), instead of "0 -> 0% advance"', () => {
    // One deal, lost at Proposal: nothing reached Negotiation.
    const stages = [
      { stage: 'Qualified', reached: 1, advanced: 1, conversion: 1, lost: 0, leakage: 0, open: 0, decidedConversion: 1 },
      { stage: 'Demo', reached: 1, advanced: 1, conversion: 1, lost: 0, leakage: 0, open: 0, decidedConversion: 1 },
      { stage: 'Proposal', reached: 1, advanced: 0, conversion: 0, lost: 1, leakage: 1, open: 0, decidedConversion: 0 },
      { stage: 'Negotiation', reached: 0, advanced: 0, conversion: null, lost: 0, leakage: null, open: 0, decidedConversion: null },
      { stage: 'Closed', reached: 0, advanced: 0, conversion: null, lost: 0, leakage: null, open: 0, decidedConversion: null },
    ]
    const chart = funnelChart({ ...samples.funnel, stages, topLeak: 'Proposal', unplaced: 0, findings: [] })
    const rows = mainRows(chart.spec)
    expect(rows[2].label).toBe('1 \u2192 0% advance \u00b7 1 lost')
    expect(rows[3].label).toBe('0 reached')
    expect(rows[4].label).toBe('0 won')
    expect(chart.altText).toContain('Negotiation: 0 reached;')
    expect(chart.altText).not.toContain(': 0 \u2192 0% advance')
  })
})

describe('driversChart', () => {
  it('labels every cell with rate and n, greys cells below the minimum n and outlines significant ones', () => {
    const chart = driversChart(samples.drivers)
    const cells = mainRows(chart.spec)
    expect(cells).toHaveLength(16)
    const small = cells.filter((c: Json) => c.small)
    expect(small.map((c: Json) => `${c.row} ${c.column}`)).toEqual(['LATAM 100k+'])
    expect(small[0]).toMatchObject({ rateLabel: '43%', nLabel: 'n=14', significant: false })
    expect(viewNamed(chart.spec, 'smallCells')).toMatchObject({
      transform: [{ filter: 'datum.small' }],
      mark: { color: COLORS.insufficient },
    })
    expect(viewNamed(chart.spec, 'cells').transform).toEqual([{ filter: '!datum.small' }])
    const outline = viewNamed(chart.spec, 'significantOutline')
    expect(outline.transform).toEqual([{ filter: 'datum.significant' }])
    expect(outline.mark).toMatchObject({ filled: false, stroke: COLORS.ink })
    expect(
      cells
        .filter((c: Json) => c.significant)
        .map((c: Json) => `${c.row} ${c.column}`)
        .sort(),
    ).toEqual(['EMEA 100k+', 'North America 10k-50k'])
  })

  it('centres the diverging colour scale on the overall win rate', () => {
    const { spec } = driversChart(samples.drivers)
    const scale = viewNamed(spec, 'cells').encoding.color.scale
    expect(scale.domain[1]).toBe(0.41)
    expect(scale.domain[1] - scale.domain[0]).toBeCloseTo(scale.domain[2] - scale.domain[1], 10)
    expect(scale.range).toEqual([COLORS.divergingLow, COLORS.divergingMid, COLORS.divergingHigh])
  })

  it('orders amount bands by size and titles the strongest significant segment', () => {
    const chart = driversChart(samples.drivers)
    expect(chart.spec).toMatchObject({ encoding: { x: { sort: ['<10k', '10k-50k', '50k-100k', '100k+'] } } })
    expect(chart.title).toBe('EMEA 100k+ deals win 24% vs 41% overall')
  })

  it('charts any two fields and says plainly when nothing is significant', () => {
    const segments = samples.drivers.segments.map((s) => ({
      ...s,
      segment: { industry: s.segment.region, lead_source: s.segment.amount_band },
      significant: false,
    }))
    const chart = driversChart({ ...samples.drivers, segments }, { rows: 'industry', columns: 'lead_source' })
    expect(mainRows(chart.spec)).toHaveLength(16)
    expect(chart.title).toBe("No industry x lead source segment's win rate differs significantly from the 41% overall")
    expect(driversChart(samples.drivers, { rows: 'industry', columns: 'lead_source' }).title).toBe(
      'No industry x lead source segments to chart',
    )
  })

  it('says that all the deals share one value of each field when there is nothing to compare, as the report does', () => {
    const oneRegion = { ...samples.drivers, n: 223, segments: [], where: { amount_band: '100k+' } }
    for (const report of [oneRegion, { ...oneRegion, where: {} }]) {
      const chart = driversChart(report)
      expect(chart.title).toBe('No region x amount band segments to chart')
      expect(chart.altText).toContain(
        'All 223 closed deals share one region and one amount band: there are no others to compare them with.',
      )
    }
    expect(driversChart({ ...oneRegion, n: 1 }).altText).toContain('There is only 1 closed deal: no others to compare it with.')
    // Two fields whose values always go together (every EMEA deal under $10k, and so on): each pair is one value's own deals.
    const base = samples.drivers.segments[0]!
    const together = [{ region: 'EMEA' }, { region: 'APAC' }, { amount_band: '<10k' }, { amount_band: '100k+' }].map((segment) => ({
      ...base,
      segment,
    }))
    expect(driversChart({ ...samples.drivers, segments: together }).altText).toContain(
      'Each pair holds the deals of one of its values, so none was tested.',
    )
  })

  it('says there are too few deals, not that nothing differs, when no cell could be called significant', () => {
    // As the report's own sentence: under 30 deals a cell is never significant, so "none differs" is no verdict.
    const small = samples.drivers.segments.map((s) => ({ ...s, n: 12, won: 5, significant: false }))
    expect(driversChart({ ...samples.drivers, segments: small }).title).toBe(
      'Too few closed deals to judge any region x amount band segment (none has 30 and 30 others)',
    )
    const fewOthers = samples.drivers.segments.map((s) => ({ ...s, othersN: 20, significant: false }))
    expect(driversChart({ ...samples.drivers, segments: fewOthers }).title).toMatch(/^Too few closed deals to judge/)
    // One cell big enough, on both sides, is a verdict again.
    const one = small.map((s, i) => (i === 0 ? { ...s, n: 40, othersN: 500 } : s))
    expect(driversChart({ ...samples.drivers, segments: one }).title).toBe(
      "No region x amount band segment's win rate differs significantly from the 41% overall",
    )
  })
})

describe('driversChart with many values', () => {
  it('keeps the 20 rows with the most deals and says so', () => {
    const reps = Array.from({ length: 30 }, (_, i) => `rep-${String(i).padStart(2, '0')}`)
    const segments = reps.flatMap((rep, i) =>
      ['<10k', '100k+'].map((band) => ({ ...samples.drivers.segments[0]!, segment: { sales_rep_id: rep, amount_band: band }, n: 100 + i })),
    )
    const chart = driversChart({ ...samples.drivers, segments }, { rows: 'sales_rep_id' })
    const rows = new Set(mainRows(chart.spec).map((c: Json) => c.row))
    expect(rows.size).toBe(20)
    expect(rows.has('rep-29')).toBe(true)
    expect(rows.has('rep-00')).toBe(false)
    expect((chart.spec as Json).title.subtitle.join(' ')).toMatch(/Showing the 20 rep/)
  })
})

describe('stalledChart', () => {
  it('shows the top deals by amount with days idle, keyed by deal id', () => {
    const chart = stalledChart(samples.stalled)
    const rows = mainRows(chart.spec)
    expect(rows).toHaveLength(10)
    const amounts = rows.map((r: Json) => r.amount)
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a))
    expect(rows[0].label).toBe('$250k \u00b7 14 days idle')
    expect(chart.spec).toMatchObject({ encoding: { y: { field: 'dealId' } } })
    const longIdle = rows.filter((r: Json) => r.longIdle)
    expect(longIdle.length).toBeGreaterThan(0)
    expect(longIdle.every((r: Json) => r.daysIdle >= 28)).toBe(true)
    expect(chart.title).toBe('23 stalled deals worth $1.9M with no activity for 14+ days')
  })

  it('says "idle", not "no activity", when some stalled deals have no activity date on record', () => {
    const chart = stalledChart({ ...samples.stalled, stalledWithoutActivityDate: 3 })
    expect(chart.title).toBe('23 stalled deals worth $1.9M idle 14+ days')
    const subtitle = (chart.spec as { title: { subtitle: string[] } }).title.subtitle.join(' ')
    expect(subtitle).toContain('3 with no activity date on record: idle since the last update, stage entry or')
    expect(subtitle).not.toContain('no activity for')
  })

  it('shortens long deal names to fit the axis', () => {
    const long = {
      ...samples.stalled.stalled[0]!,
      dealName: 'An extraordinarily long opportunity name for a multi-year enterprise renewal',
    }
    const rows = mainRows(stalledChart({ ...samples.stalled, stalled: [long] }).spec)
    expect(rows[0].deal).toMatch(/^An extraordinarily .*\u2026 \u00b7 Negotiation$/)
    expect(rows[0].deal.length).toBeLessThan(long.dealName.length)
  })

  it('says there are no stalled deals when the list is empty', () => {
    expect(stalledChart({ ...samples.stalled, stalled: [] }).title).toBe('No stalled deals')
  })
})

describe('model charts', () => {
  it('reliability diagram: bins against the diagonal, title gives the average gap', () => {
    const chart = reliabilityChart({
      bins: [
        { predicted: 0.2, observed: 0.3, n: 100 },
        { predicted: 0.6, observed: 0.6, n: 100 },
      ],
    })
    expect(viewNamed(chart.spec, 'diagonal').data.values).toEqual([{ p: 0 }, { p: 1 }])
    expect(viewNamed(chart.spec, 'bins').encoding).toMatchObject({
      x: { field: 'predicted' },
      y: { field: 'observed' },
      size: { field: 'n' },
    })
    expect(chart.title).toBe('Predicted win chances are within 5 points of what happened, on average')
    expect(reliabilityChart({ bins: [{ predicted: 0.2, observed: 0.3, n: 1 }], informative: false }).title).toMatch(
      /does not beat its baseline/,
    )
  })

  it('reliability diagram: equal-size bins state their size once instead of labelling every point', () => {
    const bins = [0.2, 0.25, 0.3, 0.35].map((p) => ({ predicted: p, observed: p - 0.05, n: 108 }))
    const chart = reliabilityChart({ bins })
    const rows = allViews(chart.spec).find((v) => v.data?.values?.[0]?.predicted !== undefined).data.values
    expect(rows.map((r: Json) => r.label)).toEqual(['', '', '', ''])
    expect((chart.spec as Json).title.subtitle.join(' ')).toContain('4 groups of about 108 held-out deals')
  })

  it('reliability diagram: one group (every deal given the same prediction) is described as such, not as "1 groups of about 1,085"', () => {
    const chart = reliabilityChart({ bins: [{ predicted: 0.36, observed: 0.24, n: 1085 }], informative: false })
    const subtitle = (chart.spec as Json).title.subtitle.join(' ')
    expect(subtitle).toContain('1,085 held-out deals, all given the same predicted probability')
    expect(subtitle).not.toContain('1 groups')
  })

  it('reliability diagram: the alt text gives every group its size, the points left unlabelled in the picture included', () => {
    const equal = reliabilityChart({ bins: [0.2, 0.25].map((p) => ({ predicted: p, observed: p - 0.05, n: 108 })) })
    expect(equal.altText).toContain('predicted 20%, observed 15% (n=108); predicted 25%, observed 20% (n=108)')
    const crowded = reliabilityChart({
      bins: [
        { predicted: 0.24, observed: 0.23, n: 57 },
        { predicted: 0.27, observed: 0.2, n: 132 },
      ],
    })
    expect(crowded.altText).toContain('(n=57)')
    expect(crowded.altText).toContain('(n=132)')
    expect(crowded.altText).not.toContain('()')
  })

  it('reliability diagram: the n= label of a point never sits on another point, the line or the diagonal', async () => {
    // The demo's calibration table (seed 1, 6,000 deals): the label of the 103 deals fell on the 172.
    const bins = [
      [0.17, 0.106, 85],
      [0.227, 0.164, 134],
      [0.279, 0.204, 103],
      [0.311, 0.208, 72],
      [0.344, 0.157, 172],
      [0.404, 0.25, 64],
      [0.433, 0.3, 227],
      [0.489, 0.356, 177],
      [0.551, 0.392, 51],
    ].map(([predicted, observed, n]) => ({ predicted: predicted!, observed: observed!, n: n! }))
    const { svg } = await renderChartSvg(reliabilityChart({ bins }).spec)
    const num = '(-?[\\d.]+)'
    const circles = [
      ...svg.matchAll(new RegExp(`aria-roledescription="circle" transform="translate\\(${num},${num}\\)" d="M${num},`, 'g')),
    ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), r: Number(m[3]) }))
    expect(circles).toHaveLength(bins.length)
    const lines = [...svg.matchAll(/aria-roledescription="line mark" d="M([^"]+)"/g)].map((m) =>
      m[1]!.split('L').map((xy) => xy.split(',').map(Number) as [number, number]),
    )
    expect(lines).toHaveLength(2)
    const labels = [...svg.matchAll(new RegExp(`transform="translate\\(${num},${num}\\)"[^>]*font-size="(\\d+)px"[^>]*>(n=[\\d,]+)<`, 'g'))]
    expect(labels.length).toBeGreaterThanOrEqual(3)
    for (const [, x, y, size, text] of labels) {
      // The label's box, from its baseline up to the top of its digits.
      const box = {
        x1: Number(x),
        x2: Number(x) + chartTextMeasurer().width(text!, Number(size)),
        y1: Number(y) - 0.75 * Number(size),
        y2: Number(y),
      }
      const gap = (px: number, py: number) => Math.hypot(Math.max(box.x1 - px, 0, px - box.x2), Math.max(box.y1 - py, 0, py - box.y2))
      // Its own point is the nearest one up-left of it; every other point stays clear.
      const own = circles.filter((c) => c.x < box.x1 && c.y < box.y2).sort((a, b) => gap(a.x, a.y) - gap(b.x, b.y))[0]
      for (const c of circles) if (c !== own) expect(gap(c.x, c.y), `${text} clear of the point at ${c.x},${c.y}`).toBeGreaterThan(c.r)
      for (const line of lines) {
        line.slice(1).forEach(([qx, qy], i) => {
          const [px, py] = line[i]!
          for (let t = 0; t <= 1; t += 0.01)
            expect(gap(px + (qx - px) * t, py + (qy - py) * t), `${text} clear of the lines`).toBeGreaterThan(0.5)
        })
      }
    }
  })

  it('health scores: counts per bin of 10 and the deals at risk', () => {
    const chart = healthScoreChart({ scores: [0, 5, 39, 40, 69, 70, 99, 100] })
    const bins = mainRows(chart.spec)
    expect(bins.map((b: Json) => b.count)).toEqual([2, 0, 0, 1, 1, 0, 1, 1, 0, 2])
    expect(bins[0].zone).toBe('At risk')
    expect(bins[9]).toMatchObject({ bin: '90-100', zone: 'Healthy' })
    expect(chart.title).toBe('3 of 8 open deals (38%) score below 40')
    const caveat = (healthScoreChart({ scores: [50], informative: false }).spec as Json).title.subtitle.join(' ')
    expect(caveat).toContain('these scores are not predictions of winning')
  })
})

describe('model chart inputs', () => {
  it('adapt the model evaluation table and scored deals', () => {
    const input = reliabilityFromTable([{ meanPredicted: 0.2, observedRate: 0.25, n: 40 }], true)
    expect(input).toEqual({ bins: [{ predicted: 0.2, observed: 0.25, n: 40 }], informative: true })
    expect(healthScoresFromDeals([{ healthScore: 12 }, { healthScore: 80 }], false)).toEqual({ scores: [12, 80], informative: false })
  })
})

import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import type { DriverSegment, DriversReport } from '../../src/analytics/report-types.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { driversChart } from '../../src/charts/drivers-chart.js'
import { healthScoreChart } from '../../src/charts/health-score-chart.js'
import { lossesChart } from '../../src/charts/losses-chart.js'
import { reliabilityFromTable } from '../../src/charts/model-chart-inputs.js'
import { reliabilityChart } from '../../src/charts/reliability-chart.js'
import { MAX_PNG_BYTES, renderChart, renderChartSvg } from '../../src/charts/render-chart.js'
import { buildReportChart, renderReportChart } from '../../src/charts/render-report-chart.js'
import { CHART_WIDTH, emptyChart } from '../../src/charts/report-chart.js'
import { stalledChart } from '../../src/charts/stalled-chart.js'
import { chartTextMeasurer } from '../../src/charts/text-metrics.js'
import { winrateChart } from '../../src/charts/winrate-chart.js'
import { type Json, mainRows, viewNamed } from './spec-helpers.js'

const samples = sampleChartInputs()

/** Pixels darker than near-white. */
function ink(png: Buffer): number {
  const img = PNG.sync.read(png)
  let n = 0
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i]! < 200 || img.data[i + 1]! < 200 || img.data[i + 2]! < 200) n++
  return n
}

function textSpec(text: string) {
  return {
    width: 240,
    height: 40,
    data: { values: [{ t: text }] },
    mark: { type: 'text' as const, fontSize: 20 },
    encoding: { text: { field: 't', type: 'nominal' as const } },
  }
}

/** A drivers report over two fields with `rows` x `cols` segments, every one colourable. */
function wideDrivers(rows: number, cols: number, rowName: (r: number) => string, colName: (c: number) => string): DriversReport {
  const base = samples.drivers.segments[0]!
  const segments: DriverSegment[] = []
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      segments.push({
        ...base,
        segment: { industry: rowName(r), lead_source: colName(c) },
        n: 60 + r + c,
        winRate: (((r * cols + c) % 17) / 20 + 0.05) as number,
        significant: (r + c) % 5 === 0,
      })
    }
  }
  return { ...samples.drivers, overallWinRate: 0.4, segments }
}

describe('charts with text from the CRM', () => {
  it('draws text holding control characters (not allowed in XML) instead of failing', async () => {
    const clean = await renderChart(textSpec('Bad name'))
    const dirty = await renderChart(textSpec('Bad\u000b name\u0007\u0001\ufffe'))
    // The control characters are dropped; the visible text is drawn as before.
    expect(ink(dirty.png)).toBe(ink(clean.png))
  })

  it('has a real glyph, not the missing-glyph box, for the letters of European names', async () => {
    const pixels = async (text: string) => PNG.sync.read((await renderChart(textSpec(text))).png).data
    // A private-use character has no glyph in DejaVu Sans: it is drawn as the missing-glyph box.
    const tofu = await pixels('\ue000')
    for (const ch of ['ü', 'ß', 'Ł', 'ñ', 'Æ', '–', 'Ø', 'ç']) {
      const drawn = await pixels(ch)
      expect(Buffer.compare(drawn, tofu), ch).not.toBe(0)
    }
  })

  it('draws names holding a line or paragraph separator (U+2028, U+2029, pasted from a document) instead of failing', async () => {
    const odd = (name: string) => `${name}\u2028pasted\u2029`
    const stalled = { ...samples.stalled, stalled: samples.stalled.stalled.map((d) => ({ ...d, dealName: odd(d.dealName ?? d.dealId) })) }
    const losses = {
      ...samples.losses,
      stages: samples.losses.stages.map((s) => ({ ...s, stage: odd(s.stage) })),
      openStages: samples.losses.openStages.map(odd),
      lateStages: samples.losses.lateStages.map(odd),
    }
    const drivers = {
      ...samples.drivers,
      segments: samples.drivers.segments.map((s) => ({
        ...s,
        segment: { ...s.segment, ...(s.segment.region ? { region: odd(s.segment.region) } : {}) },
      })),
    }
    for (const [kind, input] of [
      ['stalled', stalled],
      ['losses', losses],
      ['drivers', drivers],
    ] as const) {
      const chart = await renderReportChart(kind, input as never)
      expect(ink(chart.png), kind).toBeGreaterThan(5000)
    }
  })

  it('draws accented Latin names with real glyphs', async () => {
    const [accented, plain] = await Promise.all([renderChart(textSpec('Zürich – Ventas')), renderChart(textSpec('Zurich - Ventas'))])
    // Same layout; the umlaut and the en dash add a few pixels, never a missing-glyph box.
    const extra = ink(accented.png) - ink(plain.png)
    expect(extra).toBeGreaterThan(0)
    expect(extra).toBeLessThan(200)
  })
})

describe('PNG size', () => {
  it(`keeps a tall, busy drivers grid under ${MAX_PNG_BYTES / 1024} KB and still sharp`, async () => {
    const report = wideDrivers(
      22,
      9,
      (r) => `Zürich – Ventas und Vertrieb ${r}`,
      (c) => `Source ${c}`,
    )
    const chart = await renderReportChart('drivers', report, { drivers: { rows: 'industry', columns: 'lead_source' } })
    expect(chart.png.length).toBeLessThanOrEqual(MAX_PNG_BYTES)
    const img = PNG.sync.read(chart.png)
    expect([img.width, img.height]).toEqual([chart.width, chart.height])
    // Drawn at more than 1x: wider than the chart's CSS width (about 700 px).
    expect(img.width).toBeGreaterThan(900)
    expect(ink(chart.png)).toBeGreaterThan(100_000)
  })
})

describe('driversChart labels', () => {
  it('keeps short column names level', () => {
    const axis = (driversChart(samples.drivers).spec as Json).encoding.x.axis
    expect(axis.labelAngle).toBe(0)
    expect(labelOf(axis.labelExpr, '50k-100k')).toBe('50k-100k')
  })

  it('never shows a win rate below 0% or above 100% on the legend', () => {
    const report = wideDrivers(
      3,
      3,
      (r) => `I${r}`,
      (c) => `S${c}`,
    )
    const values: number[] = viewNamed(driversChart(report, { rows: 'industry', columns: 'lead_source' }).spec, 'cells').encoding.color
      .legend.values
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThanOrEqual(1)
    expect(values).toContain(0.4)
  })

  it('sets column names wider than their cell at an angle, every one shown and told apart, and keeps row names that share a long prefix apart', () => {
    const report = wideDrivers(
      4,
      6,
      (r) => `Enterprise Software and Cloud Services Division ${r}`,
      (c) => `Partner referral programme number ${c}`,
    )
    const { spec } = driversChart(report, { rows: 'industry', columns: 'lead_source' })
    const x = (spec as Json).encoding.x.axis
    const y = (spec as Json).encoding.y.axis
    expect(x.labelAngle).toBeLessThan(0)
    expect(x.labelOverlap).toBe(false)
    const columns = [...new Set(mainRows(spec).map((c: Json) => c.column as string))]
    expect(new Set(columns.map((c) => labelOf(x.labelExpr, c))).size).toBe(6)
    // Row labels are shortened by the chart, each one different, each within the axis limit.
    const rows = [...new Set(mainRows(spec).map((c: Json) => c.row as string))]
    const shown = rows.map((r) => labelOf(y.labelExpr, r))
    expect(new Set(shown).size).toBe(rows.length)
    for (const s of shown) expect(chartTextMeasurer().width(s, 12)).toBeLessThanOrEqual(y.labelLimit)
    expect(shown.some((s) => s.includes('\u2026'))).toBe(true)
  })

  it('orders numbered values naturally (2 before 10)', () => {
    const report = wideDrivers(
      12,
      2,
      (r) => `Team ${r + 1}`,
      (c) => `S${c}`,
    )
    const { spec } = driversChart(report, { rows: 'industry', columns: 'lead_source' })
    const order: string[] = (spec as Json).encoding.y.sort
    expect(order.slice(0, 3)).toEqual(['Team 1', 'Team 2', 'Team 3'])
    expect(order.at(-1)).toBe('Team 12')
  })
})

describe('stalledChart labels', () => {
  it('starts the labels of deals of $0 alone (no amount in the CRM, an alert amount of 0) at the axis, as for any other deals', async () => {
    const zero = { ...samples.stalled, stalled: samples.stalled.stalled.map((d) => ({ ...d, amount: 0 })), stalledAmount: 0 }
    const labelXs = async (report: typeof samples.stalled) => {
      const { svg } = await renderChartSvg(stalledChart(report).spec)
      return [...svg.matchAll(/<text[^>]*transform="translate\((-?[\d.]+),[^"]*"[^>]*>[^<]*days idle</g)].map((m) => Number(m[1]))
    }
    const xs = await labelXs(zero)
    expect(xs.length).toBe(Math.min(10, zero.stalled.length))
    // Where a bar of $0 ends: the axis, plus the labels' own small offset.
    for (const x of xs) expect(x).toBeLessThan(10)
  })

  it('tells apart deals that share a name by their ids', () => {
    const [a, b] = samples.stalled.stalled
    const twins = [
      { ...a!, dealName: 'Globex renewal' },
      { ...b!, dealName: 'Globex renewal' },
    ]
    const rows = mainRows(stalledChart({ ...samples.stalled, stalled: twins }).spec)
    expect(new Set(rows.map((r: Json) => r.deal)).size).toBe(2)
    expect(rows[0].deal).toContain(a!.dealId)
  })

  it('tells apart deals whose names share a long start, in the same stage, within the axis width', () => {
    const names = [
      'Enterprise Agreement Renewal FY2026 - Acme Corporation',
      'Enterprise Agreement Renewal FY2026 - Globex',
      'Enterprise Agreement Renewal FY2026 - Initech',
    ]
    const deals = names.map((dealName, i) => ({ ...samples.stalled.stalled[i]!, dealName, stage: 'Proposal' }))
    const rows = mainRows(stalledChart({ ...samples.stalled, stalled: deals }).spec)
    const labels = rows.map((r: Json) => r.deal as string)
    expect(new Set(labels).size).toBe(3)
    for (const [i, label] of labels.entries()) {
      expect(label).toMatch(/^Enterprise.*\u2026.* \u00b7 Proposal$/)
      expect(chartTextMeasurer().width(label, 12)).toBeLessThanOrEqual(230)
      // Each keeps the end of its own name (the customer), which tells it apart.
      expect(label.replace(/ \u00b7 Proposal$/, '').split('\u2026')[1]!.length).toBeGreaterThan(0)
      expect(rows[i].fullDeal).toContain(deals[i]!.dealName)
    }
    expect(labels.some((l) => l.includes('Globex') || l.includes('obex'))).toBe(true)
  })

  it('keeps cutting a lone long name at its end', () => {
    const deal = { ...samples.stalled.stalled[0]!, dealName: 'Enterprise Agreement Renewal FY2026 - Acme Corporation', stage: 'Proposal' }
    const rows = mainRows(stalledChart({ ...samples.stalled, stalled: [deal] }).spec)
    expect(rows[0].deal).toMatch(/^Enterprise Agreement.*\u2026 \u00b7 Proposal$/)
  })

  it('keeps part of the deal name when the stage name is long', () => {
    const deal = {
      ...samples.stalled.stalled[0]!,
      dealName: 'Globex worldwide renewal 2026',
      stage: 'Legal and procurement review with the customer security team',
    }
    const rows = mainRows(stalledChart({ ...samples.stalled, stalled: [deal] }).spec)
    expect(rows[0].deal).toMatch(/^Globex world.* \u00b7 Legal and/)
    expect(chartTextMeasurer().width(rows[0].deal, 12)).toBeLessThanOrEqual(230)
  })

  it('gives the alt text the deal and stage names in full, which the picture shortens', () => {
    const deal = {
      ...samples.stalled.stalled[0]!,
      dealName: 'Trueworks Media - Enterprise new business 2026',
      stage: 'Technical validation and security review',
    }
    const chart = stalledChart({ ...samples.stalled, stalled: [deal] })
    expect(mainRows(chart.spec)[0].deal).toContain('\u2026')
    expect(chart.altText).toContain('Trueworks Media - Enterprise new business 2026 \u00b7 Technical validation and security review: $')
    expect(chart.altText).not.toContain('\u2026')
  })

  it("groups the idle limit in its title and legend as it groups the deals' days idle", () => {
    const deal = { ...samples.stalled.stalled[0]!, daysIdle: 2500 }
    const chart = stalledChart({ ...samples.stalled, rules: { ...samples.stalled.rules, idleDays: 1000 }, stalled: [deal] })
    const spec = JSON.stringify(chart.spec)
    expect(chart.title).toContain('with no activity for 1,000+ days')
    expect(spec).toContain('2,500 days idle')
    expect(spec).toContain('Idle 2,000+ days')
    expect(mainRows(chart.spec)[0].group).toBe('Idle 2,000+ days')
    const shorter = stalledChart({
      ...samples.stalled,
      rules: { ...samples.stalled.rules, idleDays: 1000 },
      stalled: [{ ...deal, daysIdle: 1500 }],
    })
    expect(mainRows(shorter.spec)[0].group).toBe('Idle 1,000-1,999 days')
  })
})

/** The label a `labelExpr` of the form `{...}[datum.value]` gives a value. */
function labelOf(expr: string, value: string): string {
  const map = JSON.parse(expr.slice(0, expr.lastIndexOf('[datum.value]')))
  return map[value] ?? value
}

describe('stage names that share a long start', () => {
  const prefix = 'Contract negotiation with procurement and legal - '
  const rename = (stage: string) => (stage === 'Qualified' || stage === 'Demo' ? stage : `${prefix}${stage}`)

  it.each(['losses', 'funnel'] as const)('%s: every stage is told apart on the axis, each within its limit', (kind) => {
    const input =
      kind === 'losses'
        ? { ...samples.losses, stages: samples.losses.stages.map((s) => ({ ...s, stage: rename(s.stage) })) }
        : { ...samples.funnel, stages: samples.funnel.stages.map((s) => ({ ...s, stage: rename(s.stage) })) }
    const { spec } = buildReportChart(kind, input)
    const y = (spec as Json).encoding.y.axis
    const stages = input.stages.map((s) => s.stage)
    const shown = stages.map((s) => labelOf(y.labelExpr ?? '{}[datum.value]', s))
    for (const s of shown) expect(chartTextMeasurer().width(s, y.labelFontSize)).toBeLessThanOrEqual(y.labelLimit)
    expect(new Set(shown).size).toBe(stages.length)
    expect(shown).toContain('Qualified')
  })
})

describe('names with no spaces in titles and subtitles', () => {
  const long = 'Verhandlungsabschlussvorbereitungsgesprächsterminvereinbarungsbestätigungsphase'

  /** The sample report of `kind` with Negotiation renamed `name`. */
  function renamed(kind: 'losses' | 'funnel', name: string) {
    const rename = (stage: string) => (stage === 'Negotiation' ? name : stage)
    return kind === 'losses'
      ? {
          ...samples.losses,
          stages: samples.losses.stages.map((s) => ({ ...s, stage: rename(s.stage) })),
          openStages: samples.losses.openStages.map(rename),
          lateStages: samples.losses.lateStages.map(rename),
        }
      : {
          ...samples.funnel,
          stages: samples.funnel.stages.map((s) => ({ ...s, stage: rename(s.stage) })),
          topLeak: samples.funnel.topLeak === null ? null : rename(samples.funnel.topLeak),
        }
  }

  it.each(['losses', 'funnel'] as const)(
    '%s: a long one-word stage name in the title wraps inside the chart instead of widening the image',
    async (kind) => {
      const chart = buildReportChart(kind, renamed(kind, long) as never)
      expect(chart.title).toContain(long)
      // The same name with spaces in it: the axis shortens both alike, and the title wraps at its spaces.
      const spaced = await renderChartSvg(buildReportChart(kind, renamed(kind, long.replace(/(ungs|ss|ch)/g, '$1 ')) as never).spec)
      const named = await renderChartSvg(chart.spec)
      expect(named.width).toBe(spaced.width)
    },
  )

  it("an empty chart's message wraps inside the chart instead of widening the image", async () => {
    const message = `All 1,234 closed deals share one region (${long}) and one amount band: there are no others to compare them with.`
    const chart = emptyChart('No region x amount band segments to chart', message)
    const { width } = await renderChartSvg(chart.spec)
    expect(width).toBeLessThanOrEqual(CHART_WIDTH)
    expect(chart.altText).toContain(message)
  })

  it('a filter on a long one-word value wraps inside the subtitle instead of widening the image', async () => {
    const plain = await renderChartSvg(buildReportChart('winrate', samples.winrate).spec)
    const named = await renderChartSvg(buildReportChart('winrate', { ...samples.winrate, where: { region: `${long}${long}` } }).spec)
    expect(named.width).toBeLessThanOrEqual(Math.max(plain.width, CHART_WIDTH))
  })
})

describe('lossesChart legend', () => {
  it('does not call a stage after the late stages "earlier"', () => {
    const closed = { ...samples.losses.stages[0]!, stage: 'Closed', lateStage: false }
    const { spec } = lossesChart({ ...samples.losses, stages: [...samples.losses.stages, closed] })
    const rows = mainRows(spec)
    expect(rows.at(-1)).toMatchObject({ stage: 'Closed', group: 'Other stage' })
    expect(rows.find((r: Json) => r.stage === 'Qualified').group).toBe('Other stage')
    const color = (spec as Json).layer[0].encoding.color
    expect(color.scale.domain).toEqual(['Late stage', 'Other stage'])
  })

  it('keeps "Earlier stage" when every other stage comes before the late ones', () => {
    expect(mainRows(lossesChart(samples.losses).spec).find((r: Json) => r.stage === 'Qualified').group).toBe('Earlier stage')
  })
})

describe('lossesChart title', () => {
  it('says plainly that nothing was lost late, and where deals were lost, instead of "0% of lost deals ($0) were lost late"', () => {
    const stage = {
      ...samples.losses.stages[0]!,
      stage: 'Qualified',
      lost: 156,
      lostAmount: 2_400_000,
      share: 1,
      amountShare: 1,
      lateStage: false,
    }
    const report = {
      ...samples.losses,
      stages: [stage],
      totalLost: 156,
      totalLostAmount: 2_400_000,
      lateStageShare: 0,
      lateStageAmountShare: 0,
    }
    const { title } = lossesChart(report)
    expect(title).toBe('No deals were lost late (at Proposal or Negotiation); most at Qualified: 100% of all losses')
  })
})

describe('winrateChart key', () => {
  const subtitle = (months: typeof samples.winrate.months) =>
    ((winrateChart({ ...samples.winrate, months }).spec as Json).title.subtitle as string[]).join(' ')

  it('names the band and centre line only when they are drawn', () => {
    const only = subtitle(samples.winrate.months.slice(-1).map((m) => ({ ...m, center: null, lcl: null, ucl: null })))
    expect(only).toMatch(/^Monthly win rate, Jul 2025\. n\u00a0=\u00a0deals/)
    expect(only).not.toMatch(/Shaded|centre line/)
    expect(subtitle(samples.winrate.months)).toMatch(/Shaded: normal range \(control limits\); dashed: centre line; n\u00a0=/)
  })

  it('says what the bottom numbers are when they lose their "n="', () => {
    const base = samples.winrate.months[0]!
    const months = Array.from({ length: 40 }, (_, i) => ({
      ...base,
      month: `${2022 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
      won: 20_000,
      lost: 30_000,
      partial: i === 39,
    }))
    const { spec } = winrateChart({ ...samples.winrate, months })
    expect(mainRows(spec)[0].nLabel).toBe('50k')
    expect(((spec as Json).title.subtitle as string[]).join(' ')).toMatch(/bottom numbers\u00a0=\u00a0deals\u00a0closed/)
  })
})

describe('winrateChart alt text', () => {
  const base = samples.winrate.months[0]!
  const long = Array.from({ length: 24 }, (_, i) => ({
    ...base,
    month: `${2023 + Math.floor((i + 7) / 12)}-${String(((i + 7) % 12) + 1).padStart(2, '0')}`,
    won: 1_234 + i * 40,
    lost: 2_345 - i * 40,
    winRate: (1_234 + i * 40) / 3_579,
    created: 12_345,
    anomaly: i === 2 ? ('high' as const) : i === 21 ? ('low' as const) : null,
    partial: i === 23,
  }))

  it("fits Slack's 1,000-character alt text, keeping the latest months whole and summing up the earlier ones", () => {
    const { altText, title } = winrateChart({ ...samples.winrate, months: long })
    expect(altText.length).toBeLessThanOrEqual(1000)
    expect(altText.startsWith(title)).toBe(true)
    // The latest months, the flagged one and the partial one, are there in full.
    expect(altText).toContain('(below range)')
    expect(altText).toMatch(/Jul 2025: \d+% won of 3,579 closed \(partial month, not judged\), 12,345 created\.$/)
    // The earlier months are summed up, with the month flagged among them.
    expect(altText).toMatch(/Aug 2023 to [A-Z][a-z]{2} 202\d: \d+%-\d+% won a month, 1 above range;/)
  })

  it('keeps a decimal where whole percentages would make a flagged month look inside its range', () => {
    const months = samples.winrate.months.map((m) =>
      m.month === '2025-06' ? { ...m, won: 1_304, lost: 3_696, winRate: 0.2608, lcl: 0.2641, ucl: 0.43, anomaly: 'low' as const } : m,
    )
    const { altText } = winrateChart({ ...samples.winrate, months })
    expect(altText).toContain('Jun 2025: 26.1% won of 5,000 closed, range 26.4%-43% (below range)')
  })
})

describe('a filtered report says so on its chart', () => {
  const where = { region: 'Zürich – Ventas', amount_band: '50k-100k' }
  const note = 'Only deals with region Zürich – Ventas and amount band 50k-100k.'
  const subtitleOf = (spec: unknown) => ((spec as Json).title.subtitle as string[]).join(' ')

  it.each(['winrate', 'losses', 'funnel', 'drivers', 'stalled'] as const)('%s: in the subtitle and the alt text', (kind) => {
    const chart = buildReportChart(kind, { ...samples[kind], where } as never)
    expect(subtitleOf(chart.spec).replace(/\u00a0/g, ' ')).toContain(note)
    expect(chart.altText).toContain(note)
  })

  it('an unfiltered report carries no such note', () => {
    expect(subtitleOf(buildReportChart('winrate', samples.winrate).spec)).not.toContain('Only deals')
    expect(buildReportChart('losses', samples.losses).altText).not.toContain('Only deals')
    // An empty chart of a filtered report says so too.
    const empty = buildReportChart('stalled', { ...samples.stalled, stalled: [], where: { region: 'EMEA' } })
    expect(empty.altText).toBe(
      'No stalled deals. Only deals with region EMEA. No open deal of $50k or more has been idle for 14 days or longer.',
    )
  })
})

describe('winrateChart: a month at 0% does not run through its closed-deal label', () => {
  it('keeps the n= labels in a strip below 0%, with no negative tick on the axis', () => {
    const months = samples.winrate.months.map((m, i) => (i === 3 ? { ...m, won: 0, winRate: 0, anomaly: null } : m))
    const { spec } = winrateChart({ ...samples.winrate, months })
    const labels = viewNamed(spec, 'closedLabels')
    const domain: number[] = labels.encoding.y.scale.domain
    expect(domain[0]).toBeLessThan(0)
    expect(labels.encoding.y.datum).toBe(domain[0])
    const points = viewNamed(spec, 'points').encoding.y
    expect(points.scale.domain).toEqual(domain)
    const ticks: number[] = points.axis.values
    expect(Math.min(...ticks)).toBe(0)
    expect(Math.max(...ticks)).toBeCloseTo(domain[1]!, 10)
  })

  it.each([
    [0.05, 0.1],
    [0.25, 0.3],
    [0.62, 0.7],
    [0.77, 0.9],
    [0.95, 1],
  ])('labels the top of the axis (highest rate %s)', (top, yMax) => {
    const months = samples.winrate.months.map((m, i) => ({
      ...m,
      winRate: i === 0 ? top : Math.min(m.winRate ?? 0, top),
      lcl: Math.min(m.lcl ?? 0, top),
      ucl: Math.min(m.ucl ?? 0, top),
      center: Math.min(m.center ?? 0, top),
    }))
    const y = viewNamed(winrateChart({ ...samples.winrate, months }).spec, 'points').encoding.y
    expect(y.scale.domain[1]).toBeCloseTo(yMax, 10)
    expect(Math.max(...y.axis.values)).toBeCloseTo(yMax, 10)
    expect(y.axis.values.length).toBeGreaterThanOrEqual(3)
    expect(y.axis.values.length).toBeLessThanOrEqual(11)
  })
})

describe('reliabilityChart title', () => {
  it('says which way the predictions are off when they are off one way beyond chance', () => {
    const bins = [0.3, 0.45, 0.6].map((p) => ({ predicted: p, observed: p - 0.13, n: 360 }))
    expect(reliabilityChart({ bins }).title).toBe('Predicted win chances run about 13 points too high, on average')
    const low = [0.3, 0.45, 0.6].map((p) => ({ predicted: p, observed: p + 0.1, n: 360 }))
    expect(reliabilityChart({ bins: low }).title).toBe('Predicted win chances run about 10 points too low, on average')
  })

  it('keeps "within N points" when the misses go both ways or could be chance', () => {
    const mixed = [
      { predicted: 0.3, observed: 0.4, n: 400 },
      { predicted: 0.6, observed: 0.5, n: 400 },
    ]
    expect(reliabilityChart({ bins: mixed }).title).toBe('Predicted win chances are within 10 points of what happened, on average')
    const few = [{ predicted: 0.4, observed: 0.2, n: 10 }]
    expect(reliabilityChart({ bins: few }).title).toBe('Predicted win chances are within 20 points of what happened, on average')
  })
})

describe('reliabilityChart of a model whose shown probabilities were shifted', () => {
  const bins = [0.3, 0.45, 0.6].map((p) => ({ predicted: p, observed: p - 0.13, n: 360 }))
  const subtitle = (chart: ReturnType<typeof reliabilityChart>) =>
    ((chart.spec as { title: { subtitle: string[] } }).title.subtitle ?? []).join(' ')

  it('says the miss it shows is corrected in the probabilities shown for open deals, in the picture and the alt text', () => {
    const chart = reliabilityChart({ bins, shifted: 'lowered' })
    // The title still describes the tested tree: that is what the held-out deals measured.
    expect(chart.title).toBe('Predicted win chances run about 13 points too high, on average')
    expect(subtitle(chart)).toMatch(
      /The win probabilities shown for open deals are lowered toward the newest deals' win rate to correct this\.$/,
    )
    expect(chart.altText).toMatch(
      /^Predicted win chances run about 13 points too high, on average\. The win probabilities shown for open deals are lowered toward the newest deals' win rate to correct this\. Reliability diagram/,
    )
  })

  it('does not call the shift a correction of a miss the title does not state', () => {
    const mixed = [
      { predicted: 0.3, observed: 0.4, n: 400 },
      { predicted: 0.6, observed: 0.5, n: 400 },
    ]
    expect(subtitle(reliabilityChart({ bins: mixed, shifted: 'lowered' }))).toMatch(/are lowered toward the newest deals' win rate\.$/)
    expect(subtitle(reliabilityChart({ bins, shifted: 'raised' }))).toMatch(/are raised toward the newest deals' win rate\.$/)
  })

  it('says nothing of a correction when there was none, or when the model is not informative', () => {
    expect(subtitle(reliabilityChart({ bins }))).not.toMatch(/correct/)
    expect(subtitle(reliabilityChart({ bins, shifted: 'lowered', informative: false }))).not.toMatch(/correct/)
  })

  it('reliabilityFromTable passes the way the model shifted its probabilities on', () => {
    const table = [{ meanPredicted: 0.4, observedRate: 0.25, n: 300 }]
    expect(reliabilityFromTable(table, true, { logOdds: -0.5 }).shifted).toBe('lowered')
    expect(reliabilityFromTable(table, true, { logOdds: 0.5 }).shifted).toBe('raised')
    expect(reliabilityFromTable(table, true, null).shifted).toBeUndefined()
  })
})

describe('winrateChart with no deal closed in the months shown', () => {
  const months = samples.winrate.months.map((m) => ({
    ...m,
    won: 0,
    lost: 0,
    n: 0,
    winRate: null,
    lcl: null,
    ucl: null,
    anomaly: null,
    center: 0.45,
  }))

  it('keeps the centre line inside the plot', () => {
    const y = viewNamed(winrateChart({ ...samples.winrate, months }).spec, 'points').encoding.y
    expect(y.scale.domain[1]).toBeGreaterThanOrEqual(0.45)
  })

  it('says that nothing closed in those months', () => {
    expect(winrateChart({ ...samples.winrate, months }).title).toBe('No deals closed from Aug 2024 to Jul 2025')
  })
})

describe('count axes of a handful of deals', () => {
  /** The labels of every axis in a rendered chart. */
  async function axisLabels(spec: Json): Promise<string[]> {
    const { svg } = await renderChartSvg(spec)
    return [...svg.matchAll(/role-axis-label[\s\S]*?<\/g>/g)].flatMap((g) => [...g[0].matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1]!))
  }
  /** Numbers among the labels that are not whole counts: `0.5`, or d3's SI `500m` (half a deal). */
  const partDeals = (labels: string[]) => labels.filter((l) => /^[\d.,]+[kmµ]?$/.test(l) && !/^\d[\d,]*k?$/.test(l))

  it('counts deals created per month in whole deals when a month holds one deal', async () => {
    const months = samples.winrate.months.map((m, i) => ({ ...m, created: i === 2 ? 1 : 0 }))
    const labels = await axisLabels(winrateChart({ ...samples.winrate, months }).spec)
    expect(labels).toContain('1')
    expect(partDeals(labels)).toEqual([])
  })

  it.each([[[55]], [[12, 14, 55]]])('counts open deals by health score in whole deals (scores %j)', async (scores) => {
    const labels = await axisLabels(healthScoreChart({ scores, informative: true }).spec)
    expect(labels).toContain('1')
    expect(partDeals(labels)).toEqual([])
  })
})

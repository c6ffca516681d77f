import { describe, expect, it } from 'vitest'
import type { WinrateMonth, WinrateReport } from '../../src/analytics/report-types.js'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { COLORS } from '../../src/charts/chart-theme.js'
import { renderChartSvg } from '../../src/charts/render-chart.js'
import { chartTextMeasurer } from '../../src/charts/text-metrics.js'
import { winrateChart } from '../../src/charts/winrate-chart.js'
import { allViews, type Json, mainRows, viewNamed } from './spec-helpers.js'

function report(edit: (months: WinrateMonth[]) => WinrateMonth[] = (m) => m): WinrateReport {
  const base = sampleChartInputs().winrate
  return { ...base, months: edit([...base.months]) }
}

describe('winrateChart', () => {
  it('marks the partial month with a hollow point, a dashed segment from the last complete month and the word "partial"', () => {
    const { spec } = winrateChart(report())
    const point = viewNamed(spec, 'partialPoint')
    expect(point.mark).toMatchObject({ type: 'point', filled: false, color: COLORS.partial })
    expect(point.transform[0].filter).toContain('datum.partial')
    const segment = viewNamed(spec, 'partialSegment')
    expect(segment.mark.strokeDash).toBeDefined()
    expect(segment.data.values.map((r: Json) => r.month)).toEqual(['2025-06', '2025-07'])
    expect(viewNamed(spec, 'partialLabel').encoding.text).toEqual({ value: 'partial' })
    // The solid line and filled points leave the partial month out.
    const solid = allViews(spec).filter((v) => v.mark?.type === 'line' && v.mark.color === COLORS.primary)
    expect(solid).toHaveLength(1)
    expect(solid[0].transform[0].filter).toContain('!datum.partial')
    // The volume panel draws the partial month's bar hollow too.
    const bars = viewNamed(spec, 'createdBars').encoding
    expect(bars.fill.condition).toEqual({ test: 'datum.partial', value: COLORS.background })
    expect(bars.stroke.condition).toEqual({ test: 'datum.partial', value: COLORS.partial })
    expect(bars.strokeDash.condition.value).toEqual([4, 3])
  })

  it('encodes win rate, the control band and the centre line on a percent axis', () => {
    const { spec } = winrateChart(report())
    const views = allViews(spec)
    const band = views.find((v) => v.mark?.type === 'rect')
    expect(band.encoding.y.field).toBe('lcl')
    expect(band.encoding.y2.field).toBe('ucl')
    expect(band.encoding.y.axis.format).toBe('.0%')
    const center = views.find((v) => v.mark?.type === 'line' && v.encoding?.y?.field === 'center')
    expect(center.mark.strokeDash).toBeDefined()
    expect((spec as Json).vconcat).toHaveLength(2)
  })

  it('marks anomalies and states the finding in the title', () => {
    const chart = winrateChart(report())
    expect(chart.title).toBe('Win rate fell below its normal range in June')
    const points = viewNamed(chart.spec, 'points')
    expect(points.encoding.shape).toMatchObject({ field: 'pointShape', scale: null })
    const june = mainRows(chart.spec).find((r: Json) => r.month === '2025-06')
    expect(june).toMatchObject({ pointShape: 'triangle-down', pointColor: COLORS.low })
    expect(mainRows(chart.spec).find((r: Json) => r.month === '2025-05')).toMatchObject({
      pointShape: 'circle',
      pointColor: COLORS.primary,
    })
    const label = viewNamed(chart.spec, 'anomalyLabel_2025-06')
    expect(label.encoding.text.value).toBe('below range')
    expect(label.transform).toEqual([{ filter: "datum.month == '2025-06'" }])
    // A white halo is drawn under the label so lines never run through it.
    expect(viewNamed(chart.spec, 'anomalyLabel_2025-06Halo').mark).toMatchObject({ stroke: COLORS.background })
    const rows = mainRows(chart.spec)
    expect(rows.filter((r: Json) => r.anomaly === 'low').map((r: Json) => r.month)).toEqual(['2025-06'])
  })

  it('labels a run of anomalies once, where it starts, and titles it with its start', () => {
    const chart = winrateChart(report((ms) => ms.map((m, i) => (i >= 8 && i <= 10 ? { ...m, winRate: 0.2, anomaly: 'low' } : m))))
    expect(chart.title).toBe('Win rate has been below its normal range since April')
    const labels = allViews(chart.spec).filter((v) => /^anomalyLabel_\d{4}-\d{2}$/.test(v.name ?? ''))
    expect(labels.map((v) => v.name)).toEqual(['anomalyLabel_2025-04'])
  })

  it('never marks the partial month as an anomaly, even if the input says so', () => {
    const chart = winrateChart(report((ms) => ms.map((m) => (m.partial ? { ...m, anomaly: 'high' } : m))))
    const partial = mainRows(chart.spec).find((r: Json) => r.partial)
    expect(partial.anomaly).toBeNull()
  })

  it('labels every month with its closed deals (n=)', () => {
    const r = report()
    const { spec } = winrateChart(r)
    expect(viewNamed(spec, 'closedLabels').encoding.text.field).toBe('nLabel')
    expect(mainRows(spec).map((x: Json) => x.nLabel)).toEqual(r.months.map((m) => `n=${m.won + m.lost}`))
  })

  it('says the rate is within range when the last complete month is normal', () => {
    const chart = winrateChart(report((ms) => ms.map((m) => ({ ...m, anomaly: null, winRate: 0.41 }))))
    expect(chart.title).toBe('Win rate is within its normal range: 41% in June')
  })

  it('titles a chart of the partial month alone as still under way, not as short of history', () => {
    const chart = winrateChart(report((ms) => ms.slice(-1)))
    expect(chart.title).toBe('July is still under way: 32% so far for 31 closed deals, not judged')
  })

  it('puts every month, its rate and the partial flag in the alt text', () => {
    const { altText } = winrateChart(report())
    expect(altText).toContain('Jun 2025: 27%')
    expect(altText).toContain('below range')
    expect(altText).toContain('Jul 2025: 32% won of 31 closed (partial month, not judged), 82 created')
  })

  it('returns a readable empty chart when there are no months', () => {
    expect(winrateChart(report(() => [])).title).toBe('No closed deals to chart yet')
  })

  it('with 24 months, thins month labels from the latest one back and shrinks the n labels to fit', () => {
    const base = sampleChartInputs().winrate.months
    const months = Array.from({ length: 24 }, (_, i) => {
      const y = 2024 + Math.floor(i / 12)
      return { ...base[i % 11]!, month: `${y}-${String((i % 12) + 1).padStart(2, '0')}`, partial: i === 23, anomaly: null }
    })
    const { spec } = winrateChart({ ...sampleChartInputs().winrate, months })
    const axis = (spec as Json).vconcat[1].encoding.x.axis
    const labels = JSON.parse(axis.labelExpr.replace('[datum.value]', ''))
    expect(labels['2025-12']).toEqual(['Dec', 'partial'])
    expect(labels['2025-11']).toEqual([''])
    expect(labels['2024-02']).toEqual(['Feb', '2024'])
    expect(axis.labelOverlap).toBe(false)
    expect(mainRows(spec)[0].nLabel).toMatch(/^(n=)?\d+(\.\d)?k?$/)
    expect(viewNamed(spec, 'closedLabels').mark.fontSize).toBeLessThan(10)
  })

  it('sets the closed-deal counts of 48 months upright, each under its own month and inside the strip below 0%', async () => {
    const base = sampleChartInputs().winrate.months
    const months = Array.from({ length: 48 }, (_, i) => {
      const month = `${2022 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`
      const m = base[i % 11]!
      // Three- and four-digit counts, one month at 0%: the labels are too wide to lie flat.
      const won = i === 5 ? 0 : m.won * (i % 2 ? 30 : 3)
      return { ...m, month, won, lost: m.lost * (i % 2 ? 30 : 3), winRate: i === 5 ? 0 : m.winRate, partial: i === 47, anomaly: null }
    })
    const { spec } = winrateChart({ ...sampleChartInputs().winrate, months, runSignals: [] })
    expect(viewNamed(spec, 'closedLabels').mark.angle).toBe(-90)
    const { svg } = await renderChartSvg(spec)
    const group = (name: string) => svg.slice(svg.indexOf(`${name}_marks`), svg.indexOf('</g>', svg.indexOf(`${name}_marks`)))
    const num = '(-?[\\d.]+)'
    const pointAt = new Map(
      [...group('points').matchAll(new RegExp(`aria-label="month: ([\\d-]+);[^>]*transform="translate\\(${num},${num}\\)"`, 'g'))].map(
        (m) => [m[1]!, { x: Number(m[2]), y: Number(m[3]) }],
      ),
    )
    const zero = pointAt.get('2022-06')!
    const labels = [
      ...group('closedLabels').matchAll(
        new RegExp(
          `aria-label="month: ([\\d-]+);[^>]*text-anchor="(\\w+)" transform="translate\\(${num},${num}\\) rotate\\(-90\\) translate\\(${num},${num}\\)"[^>]*>([^<]+)<`,
          'g',
        ),
      ),
    ]
    expect(labels).toHaveLength(48)
    const first = pointAt.get('2022-01')!.x
    const band = pointAt.get('2022-02')!.x - first
    labels.forEach(([, month, anchor, x, y, dx, dy, text], i) => {
      // Turned a quarter anticlockwise, a label reads upwards and its own offsets (dx, dy) move it up
      // and right on the page; its glyphs' middle is 0.3 em short of its baseline.
      const middle = Number(x) + Number(dy) - 0.3 * 9
      expect(Math.abs(middle - (first + i * band)), `${month}'s count sits under its own month`).toBeLessThan(band / 4)
      const width = chartTextMeasurer().width(text!, 9)
      const lowest = Number(y) - Number(dx) + (anchor === 'middle' ? width / 2 : anchor === 'end' ? width : 0)
      expect(lowest, `${month}'s count stays inside the plot`).toBeLessThanOrEqual(Number(y))
      expect(lowest - width, `${month}'s count stays below the 0% point`).toBeGreaterThan(zero.y + 3.5)
    })
  })

  it('labels every other month of 120 with its closed deals, from the latest back, and says so, instead of running the labels together', () => {
    const base = sampleChartInputs().winrate.months
    const months = Array.from({ length: 120 }, (_, i) => ({
      ...base[i % 11]!,
      month: `${2016 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
      partial: i === 119,
      anomaly: null,
    }))
    const { spec } = winrateChart({ ...sampleChartInputs().winrate, months, runSignals: [] })
    const labels: string[] = mainRows(spec).map((r: Json) => r.nLabel)
    const shown = labels.flatMap((l, i) => (l === '' ? [] : [i]))
    expect(shown[shown.length - 1]).toBe(119)
    expect(shown).toHaveLength(60)
    // Upright labels 9 px tall need their months at least 8 px apart across the 560 px plot.
    for (const [k, i] of shown.slice(1).entries()) expect(((i - shown[k]!) * 560) / 120).toBeGreaterThanOrEqual(8)
    expect((spec.title as Json).subtitle.join(' ')).toContain('deals\u00a0closed (every other month)')
  })

  it('titles a year in which every closed deal was lost (or won) as having no normal range for that reason, not for too little history', () => {
    const oneSided = (won: (n: number) => number, count: number) =>
      winrateChart(
        report((ms) =>
          ms.slice(-count).map((m) => {
            const n = 10
            return { ...m, won: won(n), lost: n - won(n), winRate: won(n) / n, center: null, lcl: null, ucl: null, anomaly: null }
          }),
        ),
      ).title
    expect(oneSided(() => 0, 12)).toBe(
      'None of the 110 deals closed from Aug 2024 to Jun 2025 was won: no normal range to judge the win rate by',
    )
    expect(oneSided((n) => n, 12)).toBe('All 110 deals closed from Aug 2024 to Jun 2025 were won: no normal range to judge the win rate by')
    // Three months of 10 deals before the latest are too little history whatever their outcomes.
    expect(oneSided(() => 0, 5)).toBe('Win rate was 0% in June for 10 closed deals; too little history for a normal range')
  })

  it('sets the "partial" and "below range" labels of months at 0% above their points, clear of the closed-deal counts under them', async () => {
    // The first days of a month: two deals closed, both lost; and before it a month in which every deal was lost.
    for (const lowMonth of [false, true]) {
      const r = report((months) =>
        months.map((m, i) =>
          i === 11
            ? { ...m, won: 0, lost: 2, n: 2, winRate: 0 }
            : i === 10
              ? lowMonth
                ? { ...m, won: 0, lost: m.n, winRate: 0, anomaly: 'low' as const }
                : { ...m, winRate: 0.4, anomaly: null }
              : m,
        ),
      )
      const { svg } = await renderChartSvg(winrateChart(r).spec)
      const baseline = (text: string) =>
        [...svg.matchAll(new RegExp(`translate\\([\\d.]+,([\\d.]+)\\)"[^>]*>${text}</text>`, 'g'))].map((m) => Number(m[1]))
      const counts = baseline('n=\\d+')
      expect(counts.length).toBe(12)
      const countTop = Math.min(...counts) - 10
      const labels = [...baseline('partial'), ...(lowMonth ? baseline('below range') : [])]
      expect(labels.length).toBeGreaterThanOrEqual(lowMonth ? 2 : 1)
      // A label's lowest strokes (p, g) reach about 3 px under its baseline.
      for (const y of labels) expect(y + 3).toBeLessThanOrEqual(countTop)
    }
  })

  it('breaks the line at a month with nothing closed instead of bridging it', () => {
    const chart = winrateChart(report((ms) => ms.map((m, i) => (i === 4 ? { ...m, won: 0, lost: 0, winRate: null } : m))))
    const solid = allViews(chart.spec).find((v) => v.mark?.type === 'line' && v.mark.color === COLORS.primary)
    expect(solid.transform).toEqual([{ filter: '!datum.partial' }])
    expect(mainRows(chart.spec)[4]).toMatchObject({ winRate: null, nLabel: 'n=0' })
  })

  it('draws the centre line of a month shown alone (`/pulse winrate 1`), which its key names, instead of a one-point line that shows nothing', async () => {
    const chart = winrateChart(report((m) => m.slice(-1)))
    expect(chart.spec.title).toMatchObject({ subtitle: expect.arrayContaining([expect.stringContaining('centre line')]) })
    const { svg } = await renderChartSvg(chart.spec)
    const dashed = [...svg.matchAll(new RegExp(`<(?:path|line)\\b[^>]*stroke="${COLORS.center}"[^>]*stroke-dasharray[^>]*>`, 'g'))].map(
      (m) => m[0],
    )
    const visible = dashed.filter((el) => /\bd="[^"]*L/.test(el) || Number(/\bx2="([\d.]+)"/.exec(el)?.[1] ?? 0) > 20)
    expect(visible).toHaveLength(1)
  })

  it('adds no separate centre mark when the centre runs as a line through several months', () => {
    const { spec } = winrateChart(report())
    expect(allViews(spec).some((v) => v.name === 'centerTicks')).toBe(false)
  })
})

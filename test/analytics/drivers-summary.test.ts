import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { summaryOfDrivers } from './summary-of-drivers.js'

const q = { asOf: '2024-07-20' }

/** region x amount_band cells: [region, band, n, won]. 100k+ wins less everywhere; EMEA x 50k-100k is low on its own. */
const CELLS: Array<[string, string, number, number]> = [
  ['NA', '10k-50k', 2000, 700],
  ['NA', '50k-100k', 1000, 350],
  ['NA', '100k+', 3000, 600],
  ['EMEA', '10k-50k', 1000, 350],
  ['EMEA', '50k-100k', 300, 45],
  ['EMEA', '100k+', 300, 60],
]

function rows(): SegmentOutcomeRow[] {
  const out: SegmentOutcomeRow[] = []
  const add = (fields: SegmentOutcomeRow['fields'], key: (c: (typeof CELLS)[number]) => string[]) => {
    const by = new Map<string, SegmentOutcomeRow>()
    for (const c of CELLS) {
      const values = key(c)
      const k = values.join('|')
      const r = by.get(k) ?? { fields, values, won: 0, n: 0 }
      r.n += c[2]
      r.won += c[3]
      by.set(k, r)
    }
    out.push(...by.values())
  }
  add(['region'], (c) => [c[0]])
  add(['amount_band'], (c) => [c[1]])
  add(['region', 'amount_band'], (c) => [c[0], c[1]])
  return out
}

describe('the two-field driver the summary names', () => {
  it('is the pair that differs from both of its parts, not a pair that only inherits one field value', () => {
    const drivers = driversReport(rows(), q)
    const sig = (region: string, band: string) =>
      drivers.segments.find((s) => s.segment.region === region && s.segment.amount_band === band)?.significant
    expect(sig('NA', '100k+')).toBe(true)
    expect(sig('EMEA', '50k-100k')).toBe(true)
    const summary = summaryOfDrivers(drivers, q)
    const pairs = summary.findings.filter((f) => f.key.startsWith('drivers_') && f.key.includes('&'))
    expect(pairs.map((f) => f.key)).toEqual(['drivers_low:region=EMEA&amount_band=50k-100k'])
  })
})

describe('a pair that is one of its values again', () => {
  it('is not tested when a field has one value, so the one-field effect is neither counted twice nor restated as a pair', () => {
    // Every deal is in EMEA: each EMEA x band pair holds exactly that band's deals.
    const cells: Array<[string, number, number]> = [
      ['10k-50k', 2000, 800],
      ['50k-100k', 1000, 200],
      ['100k+', 500, 150],
    ]
    const rows: SegmentOutcomeRow[] = [
      { fields: ['region'], values: ['EMEA'], n: 3500, won: 1150 },
      ...cells.map(([band, n, won]): SegmentOutcomeRow => ({ fields: ['amount_band'], values: [band], n, won })),
      ...cells.map(([band, n, won]): SegmentOutcomeRow => ({ fields: ['region', 'amount_band'], values: ['EMEA', band], n, won })),
    ]
    const drivers = driversReport(rows, q)
    expect(drivers.tested).toBe(3)
    expect(drivers.segments.every((s) => Object.keys(s.segment).length === 1)).toBe(true)
    expect(drivers.findings.map((f) => f.text).join(' ')).not.toContain('in EMEA')
  })

  it('is tested when its other value also holds deals outside it', () => {
    const drivers = driversReport(rows(), q)
    expect(drivers.segments.some((s) => s.segment.region === 'EMEA' && s.segment.amount_band === '50k-100k')).toBe(true)
    expect(drivers.tested).toBe(2 + 3 + 6)
  })
})

import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentFieldName } from '../../src/db/deal-scope.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'

const REGIONS = ['North America', 'EMEA', 'APAC', 'LATAM']
const BANDS = ['10k-50k', '50k-100k', '100k+']
const PRODUCTS = ['Core', 'Pro', 'Enterprise']
const SOURCES = ['Referral', 'Inbound', 'Outbound']

interface Cell {
  region: string
  amount_band: string
  product_type: string
  lead_source: string
  n: number
  won: number
}

// Expected counts (no noise) of a company where product and lead source move the win rate for
// every deal, big deals win less, and EMEA's $50k-100k deals lose on their own.
function cells(perCell: number): Cell[] {
  const out: Cell[] = []
  for (const region of REGIONS)
    for (const amount_band of BANDS)
      for (const product_type of PRODUCTS)
        for (const lead_source of SOURCES) {
          let logit = -0.4
          logit += product_type === 'Enterprise' ? -0.7 : product_type === 'Core' ? 0.35 : 0
          logit += lead_source === 'Outbound' ? -0.6 : lead_source === 'Referral' ? 0.6 : 0
          logit += amount_band === '100k+' ? -0.7 : 0
          if (region === 'EMEA' && amount_band === '50k-100k') logit -= 0.9
          const won = Math.round(perCell / (1 + Math.exp(-logit)))
          out.push({ region, amount_band, product_type, lead_source, n: perCell, won })
        }
  return out
}

function rows(all: Cell[]): SegmentOutcomeRow[] {
  const sets: SegmentFieldName[][] = [
    ['region'],
    ['amount_band'],
    ['product_type'],
    ['lead_source'],
    ['region', 'amount_band'],
    ['region', 'product_type'],
  ]
  const out: SegmentOutcomeRow[] = []
  for (const fields of sets) {
    const by = new Map<string, SegmentOutcomeRow>()
    for (const c of all) {
      const values = fields.map((f) => c[f as keyof Cell] as string)
      const key = values.join('|')
      const r = by.get(key) ?? { fields, values, won: 0, n: 0 }
      r.n += c.n
      r.won += c.won
      by.set(key, r)
    }
    out.push(...by.values())
  }
  return out
}

describe('the drivers findings (the /pulse drivers list)', () => {
  it('name the pair that loses on its own even when broad single-field effects have more evidence', () => {
    const report = driversReport(rows(cells(40)), { asOf: '2026-06-30' })
    const keys = report.findings.map((f) => f.key)
    const significantSingles = report.segments.filter((s) => s.significant && Object.keys(s.segment).length === 1)
    // The situation: at least five single-field segments are significant, each with more evidence.
    expect(significantSingles.length).toBeGreaterThanOrEqual(5)
    expect(keys).toHaveLength(5)
    expect(keys).toContain('drivers_low:region=EMEA&amount_band=50k-100k')
    // The pair takes the last place; the four strongest single-field effects keep theirs.
    expect(keys.slice(0, 4).every((k) => !k.includes('&'))).toBe(true)
    expect(keys[4]).toBe('drivers_low:region=EMEA&amount_band=50k-100k')
  })

  it('hold no pair when no pair adds to its parts', () => {
    const flat = cells(40).map((c) =>
      c.region === 'EMEA' && c.amount_band === '50k-100k'
        ? {
            ...c,
            won:
              cells(40).find(
                (d) =>
                  d.region === 'APAC' &&
                  d.amount_band === '50k-100k' &&
                  d.product_type === c.product_type &&
                  d.lead_source === c.lead_source,
              )?.won ?? c.won,
          }
        : c,
    )
    const report = driversReport(rows(flat), { asOf: '2026-06-30' })
    expect(report.findings.map((f) => f.key).filter((k) => k.includes('&'))).toEqual([])
  })
})

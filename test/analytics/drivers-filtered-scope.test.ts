import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { summaryOfDrivers } from './summary-of-drivers.js'

const q = { asOf: '2024-07-20', where: { region: 'EMEA' } }

/** EMEA's closed deals only (the report is filtered to region=EMEA): Core wins 40%, Pro 22%, Enterprise 25%. */
const ROWS: SegmentOutcomeRow[] = [
  { fields: ['product_type'], values: ['Core'], n: 600, won: 240 },
  { fields: ['product_type'], values: ['Pro'], n: 500, won: 110 },
  { fields: ['product_type'], values: ['Enterprise'], n: 400, won: 100 },
]

describe('driver sentences of a filtered report', () => {
  it('name the filter, so that a summary sentence is not read as the whole company', () => {
    const report = driversReport(ROWS, q)
    const texts = report.findings.map((f) => f.text)
    expect(texts[0]).toMatch(/^Core deals \(EMEA\) win 40% vs 23% for all others/)
    for (const text of texts) expect(text).toContain('(EMEA)')
    const summary = summaryOfDrivers(report, q).sentences.filter((s) => s.includes(' win '))
    expect(summary.length).toBeGreaterThan(0)
    for (const text of summary) expect(text).toContain('(EMEA)')
  })

  it('say "no segment differs" of the filtered deals', () => {
    const flat: SegmentOutcomeRow[] = ROWS.map((r) => ({ ...r, won: Math.round(r.n * 0.3) }))
    expect(driversReport(flat, q).findings.map((f) => f.text)).toEqual([
      "No segment's win rate differs significantly from the rest (EMEA) after correcting for the 3 segments tested (1,500 closed deals; q < 0.05 and n >= 30 required).",
    ])
  })

  it('say no deal closed by "as of" matches a filter that leaves none, naming the day: later deals may match', () => {
    expect(driversReport([], q).findings.map((f) => f.text)).toEqual(['No deal closed by 2024-07-20 matches the filter region=EMEA.'])
  })

  it('stay as they were without a filter', () => {
    expect(driversReport(ROWS, { asOf: '2024-07-20' }).findings[0]!.text).toMatch(/^Core deals win 40% vs 23% for all others/)
  })
})

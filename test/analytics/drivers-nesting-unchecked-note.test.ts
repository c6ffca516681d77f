import { describe, expect, it } from 'vitest'
import { driversReport, withNestingUnchecked } from '../../src/analytics/drivers-report.js'
import { drawNestedRows } from './draw-nested-rows.js'

const q = { asOf: '2026-06-30' }

describe('the note of a drivers report that left out how values overlap', () => {
  const { rows } = drawNestedRows(1, 6000, { region: { EMEA: -0.45 }, rep: { rep_07: -1.2 } })
  const report = driversReport(rows, q)
  const note = (pairs: Parameters<typeof withNestingUnchecked>[1]) =>
    withNestingUnchecked(report, pairs).findings.find((f) => f.key === 'drivers_nesting_unchecked')?.text ?? ''

  it('names a rep and their region when that pair went unchecked', () => {
    expect(note([{ fields: ['region', 'sales_rep_id'] }])).toContain("A finding about a rep may be their region's (or the reverse)")
  })

  it('does not speak of reps and regions when only other fields went unchecked', () => {
    const text = note([{ fields: ['product_type', 'lead_source'] }])
    expect(text).toMatch(/^Whether a value of product_type and lead_source sits in a value of another of them/)
    expect(text).not.toContain('about a rep')
    expect(text).toContain("A finding about one of their values may be another's: narrow the report")
  })
})

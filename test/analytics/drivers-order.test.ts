import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'

// Two reps with identical records tie on significance, q-value and n; so do two regions.
const rows: SegmentOutcomeRow[] = [
  { fields: ['sales_rep_id'], values: ['rep_24'], won: 60, n: 200 },
  { fields: ['sales_rep_id'], values: ['rep_06'], won: 60, n: 200 },
  { fields: ['sales_rep_id'], values: ['rep_10'], won: 80, n: 200 },
  { fields: ['region'], values: ['West'], won: 100, n: 300 },
  { fields: ['region'], values: ['East'], won: 100, n: 300 },
]

describe('driversReport order', () => {
  it('lists tied segments in one order whatever order the database returned them in', () => {
    const order = (input: SegmentOutcomeRow[]) =>
      driversReport(input, { asOf: '2024-07-20' }).segments.map((s) => JSON.stringify(s.segment))
    const forward = order(rows)
    expect(order([...rows].reverse())).toEqual(forward)
    expect(order([rows[3]!, rows[1]!, rows[4]!, rows[0]!, rows[2]!])).toEqual(forward)
    expect(forward.indexOf('{"sales_rep_id":"rep_06"}')).toBeLessThan(forward.indexOf('{"sales_rep_id":"rep_24"}'))
    expect(forward.indexOf('{"region":"East"}')).toBeLessThan(forward.indexOf('{"region":"West"}'))
  })
})

import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { driversBlocks } from '../../src/slack/blocks/report-blocks.js'

describe('/pulse drivers with too few closed deals to call a segment significant', () => {
  // 20 closed deals: EMEA won 9 of 10, North America 1 of 10. No segment has the 30 deals a finding needs.
  const rows: SegmentOutcomeRow[] = [
    { fields: ['region'], values: ['EMEA'], won: 9, n: 10 },
    { fields: ['region'], values: ['North America'], won: 1, n: 10 },
  ]

  it("says there are too few deals, as the report does, instead of 'no segment differs'", () => {
    const report = driversReport(rows, { asOf: '2024-07-20' })
    expect(report.findings[0]?.text).toMatch(/^Too few closed deals to name a driver/)
    const { text, blocks } = driversBlocks(report, 'company')
    const shown = JSON.stringify(blocks)
    expect(shown).toContain('Too few closed deals to name a driver')
    expect(shown).not.toContain('more than chance explains')
    expect(text).toContain('Too few closed deals to name a driver')
  })

  it('keeps the "within chance" sentence when segments were big enough to judge', () => {
    const big: SegmentOutcomeRow[] = [
      { fields: ['region'], values: ['EMEA'], won: 40, n: 100 },
      { fields: ['region'], values: ['North America'], won: 42, n: 100 },
    ]
    const shown = JSON.stringify(driversBlocks(driversReport(big, { asOf: '2024-07-20' }), 'company').blocks)
    expect(shown).toContain("No segment's win rate differs significantly from the rest")
  })
})

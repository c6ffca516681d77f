import { describe, expect, it } from 'vitest'
import { driversReport, nestingFieldPairs, withNestingUnchecked } from '../../src/analytics/drivers-report.js'
import { driversBlocks } from '../../src/slack/blocks/report-blocks.js'
import { drawNestedRows } from '../analytics/draw-nested-rows.js'

const q = { asOf: '2026-06-30' }

describe('/pulse drivers on a scope too big to check which values sit in one another', () => {
  const { rows, crossTabs } = drawNestedRows(1, 6000, { region: { EMEA: -0.45 }, rep: { rep_07: -1.2 } })

  it('shows the note that says so with the segments it lists', () => {
    const plain = driversReport(rows, q)
    const report = withNestingUnchecked(plain, nestingFieldPairs(plain))
    const note = report.findings.find((f) => f.key === 'drivers_nesting_unchecked')
    expect(note).toBeDefined()
    const shown = JSON.stringify(driversBlocks(report, 'company').blocks)
    expect(shown).toContain('owned by rep_07')
    expect(shown).toContain('was not checked: with 6,000 closed deals')
    expect(shown.match(/was not checked/g)).toHaveLength(1)
  })

  it('has no such note when the check was made', () => {
    const shown = JSON.stringify(driversBlocks(driversReport(rows, q, [], crossTabs), 'company').blocks)
    expect(shown).toContain('owned by rep_07')
    expect(shown).not.toContain('was not checked')
  })
})

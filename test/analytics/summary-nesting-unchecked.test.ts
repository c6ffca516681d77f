import { describe, expect, it } from 'vitest'
import { driversReport, nestingFieldPairs, withNestingUnchecked } from '../../src/analytics/drivers-report.js'
import type { Finding } from '../../src/analytics/report-types.js'
import { type SummaryInputs, summarizeFindings } from '../../src/analytics/summarize-findings.js'
import { drawNestedRows } from './draw-nested-rows.js'
import { summaryOfDrivers } from './summary-of-drivers.js'

const q = { asOf: '2026-06-30' }
const NOTE = 'drivers_nesting_unchecked'

describe('the CRO summary of a drivers report that left out how values overlap', () => {
  it('says after a rep it states that whether the rep only shares a region gap was not checked', () => {
    // One EMEA rep loses more than the rest of EMEA, and EMEA loses: the rep is stated either way.
    const { rows, crossTabs } = drawNestedRows(1, 6000, { region: { EMEA: -0.45 }, rep: { rep_07: -1.2 } })
    const checked = driversReport(rows, q, [], crossTabs)
    const plain = driversReport(rows, q)
    const unchecked = withNestingUnchecked(plain, nestingFieldPairs(plain))
    expect(unchecked.nestingUnchecked).toContainEqual(['region', 'sales_rep_id'])

    const summary = summaryOfDrivers(unchecked, q)
    const keys = summary.findings.map((f) => f.key)
    const rep = keys.findIndex((k) => k.includes(':sales_rep_id='))
    expect(rep).toBeGreaterThanOrEqual(0)
    const note = summary.findings.find((f) => f.key === NOTE)
    expect(note?.significant).toBe(false)
    expect(note?.text).toMatch(
      /^Whether the (rep and region above only share the gap of a value of another field they sit in, or owe theirs to one sitting in them|rep above only shares the gap of a value of another field it sits in, or owes its gap to one sitting in it) \(a rep selling in one region\), was not checked/,
    )
    expect(note?.text).toContain(`with ${unchecked.n.toLocaleString('en-US')} closed deals`)
    expect(note?.text).toContain('250,000 closed deals or fewer')
    // Said once, after the drivers it qualifies.
    expect(keys.filter((k) => k === NOTE)).toHaveLength(1)
    expect(keys.indexOf(NOTE)).toBeGreaterThan(rep)

    // Checked, the summary has no such words.
    expect(summaryOfDrivers(checked, q).findings.map((f) => f.key)).not.toContain(NOTE)
  })

  it('adds nothing when no value it states is of a field left unchecked', () => {
    const { rows } = drawNestedRows(2, 6000, { region: { EMEA: -0.45 }, rep: { rep_07: -1.2 } })
    const plain = driversReport(rows, q)
    // Only the product and amount band were left unchecked: no stated region or rep is in question.
    const unchecked = withNestingUnchecked(plain, [{ fields: ['product_type', 'amount_band'] }])
    const summary = summaryOfDrivers(unchecked, q)
    expect(summary.findings.some((f) => /:(region|sales_rep_id)=/.test(f.key))).toBe(true)
    expect(summary.findings.map((f) => f.key)).not.toContain(NOTE)
  })

  it('keeps those words with the drivers when it leaves findings out, before context', () => {
    const { rows } = drawNestedRows(1, 6000, { region: { EMEA: -0.45 }, rep: { rep_07: -1.2 } })
    const plain = driversReport(rows, q)
    const drivers = withNestingUnchecked(plain, nestingFieldPairs(plain))
    const finding = (report: Finding['report'], key: string, significant: boolean): Finding => ({
      report,
      key,
      significant,
      text: `${key}.`,
    })
    const month = (m: string, won: number, lost: number, anomaly: 'low' | null) => ({
      month: m,
      won,
      lost,
      winRate: won / (won + lost),
      partial: false,
      n: won + lost,
      center: 0.35,
      lcl: 0.26,
      ucl: 0.44,
      anomaly,
      created: 100,
    })
    const inputs = {
      winrate: {
        asOf: q.asOf,
        where: {},
        months: [month('2026-04', 35, 65, null), month('2026-05', 15, 85, 'low')],
        findings: [finding('volume', 'volume_context:2026-05', false)],
        runSignals: [],
        openPipeline: { count: 0, amount: 0 },
      },
      losses: { findings: [] },
      funnel: { findings: [finding('funnel', 'funnel_leak:Negotiation', true)] },
      drivers,
      stalled: { findings: [finding('stalled', 'stalled_deals', true), finding('stalled', 'stale_pipeline', true)] },
    } as unknown as SummaryInputs
    const summary = summarizeFindings(inputs, q)
    const keys = summary.findings.map((f) => f.key)
    // The month, up to three drivers, the leak, stalled and zombie: 7 or 8 to act on, then the words
    // on the drivers; the volume context is what is left out.
    expect(keys.at(-1)).toBe('summary_more')
    expect(keys).toContain(NOTE)
    expect(keys).not.toContain('volume_context:2026-05')
  })
})

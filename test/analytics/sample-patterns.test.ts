import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DriversReport, FunnelReport, LossesReport, WinrateReport } from '../../src/analytics/report-types.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { findingsSummary } from '../../src/services/findings-summary.js'
import { loadDriversReport } from '../../src/services/load-drivers-report.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { describeEachDialect, type TestDialect } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']
const SEEDS = [7, 2024]

interface Reports {
  winrate: WinrateReport
  drivers: DriversReport
  funnel: FunnelReport
  losses: LossesReport
  store: Store
}

async function sampleReports(dialect: TestDialect, seed: number, patterns: 'planted' | 'none'): Promise<Reports> {
  const out = `${tempDir()}/deals.csv`
  writeSampleFiles({ out, seed, asOf: AS_OF, patterns })
  const store = await dialect.open()
  await importCsvFile(store, { path: out, stages: STAGES })
  const q = { asOf: AS_OF }
  return {
    winrate: await loadWinrateReport(store.db, { ...q, months: 24 }),
    drivers: await loadDriversReport(store.db, q),
    funnel: await loadFunnelReport(store.db, q),
    losses: await loadLossesReport(store.db, q),
    store,
  }
}

describeEachDialect('sample reports', (dialect) => {
  describe.each(SEEDS)('sample with planted patterns (seed %i)', (seed) => {
    let r: Reports
    beforeAll(async () => {
      r = await sampleReports(dialect, seed, 'planted')
    })
    afterAll(async () => {
      await r.store.close()
    })

    it('flags the recent drop low in the months after it starts, and no month before it', () => {
      const complete = r.winrate.months.filter((m) => !m.partial)
      const flagged = complete.filter((m) => m.anomaly !== null)
      expect(flagged.length).toBeGreaterThan(0)
      expect(flagged.every((m) => m.anomaly === 'low')).toBe(true)
      expect(flagged.every((m) => m.month >= '2024-03')).toBe(true)
      // the last complete months (deals created during the drop) are all below their limits
      expect(complete.filter((m) => m.month >= '2024-05').every((m) => m.anomaly === 'low')).toBe(true)
      expect(r.winrate.months.at(-1)).toMatchObject({ month: '2024-07', partial: true, anomaly: null })
    })

    it('finds the planted segment, EMEA x $50k-100k, significant and low', () => {
      const seg = r.drivers.segments.find(
        (s) => s.segment.region === 'EMEA' && s.segment.amount_band === '50k-100k' && Object.keys(s.segment).length === 2,
      )
      expect(seg).toBeDefined()
      expect(seg!.significant).toBe(true)
      expect(seg!.direction).toBe('low')
      expect(seg!.lift!).toBeLessThan(0.75)
    })

    it('puts the leaking Negotiation stage on top of the losses and the funnel', () => {
      expect(r.losses.stages[0]!.stage).toBe('Negotiation')
      expect(r.funnel.topLeak).toBe('Negotiation')
      expect(r.funnel.findings.filter((f) => f.significant).map((f) => f.key)).toEqual(['funnel_leak:Negotiation'])
    })

    it('leads the summary with the drop, and names the segment and the leak', async () => {
      const s = await findingsSummary(r.store.db, { asOf: AS_OF })
      expect(s.sentences[0]).toMatch(/^Win rate was below its normal range in /)
      expect(s.sentences.some((t) => t.startsWith('Deals of $50k-100k in EMEA win'))).toBe(true)
      expect(s.sentences.some((t) => t.startsWith('Negotiation is where deals leak'))).toBe(true)
      const stalled = await loadStalledReport(r.store.db, { asOf: AS_OF })
      expect(stalled.stalledCount).toBeGreaterThan(0)
    })
  })

  describe.each(SEEDS)('sample with --patterns none (seed %i)', (seed) => {
    let r: Reports
    beforeAll(async () => {
      r = await sampleReports(dialect, seed, 'none')
    })
    afterAll(async () => {
      await r.store.close()
    })

    it('flags no complete month and no segment, and names no leaking stage', () => {
      expect(r.winrate.months.filter((m) => !m.partial && m.anomaly !== null)).toEqual([])
      expect(r.drivers.segments.filter((s) => s.significant)).toEqual([])
      expect(r.funnel.findings.filter((f) => f.significant)).toEqual([])
    })

    it('says so in the summary', async () => {
      const s = await findingsSummary(r.store.db, { asOf: AS_OF })
      expect(s.sentences[0]).toContain('is within the normal range')
      expect(s.findings.filter((f) => f.significant && f.report !== 'stalled')).toEqual([])
    })
  })
})

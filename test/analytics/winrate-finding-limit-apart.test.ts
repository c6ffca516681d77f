import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WinrateReport } from '../../src/analytics/report-types.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'

// The demo's data: Mar 2026 wins 26.01% against a lower limit of 26.08%, both "26%" when rounded.
const AS_OF = '2026-06-30'
let store: Store
let report: WinrateReport

beforeAll(async () => {
  const out = `${tempDir()}/deals.csv`
  writeSampleFiles({ out, seed: '1', asOf: AS_OF, patterns: 'planted', deals: 6000 })
  store = await openTestStore()
  await importCsvFile(store, { path: out, stages: ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'] })
  report = await loadWinrateReport(store.db, { asOf: AS_OF })
})

afterAll(async () => {
  await store.close()
})

describe('win-rate finding of a month just outside its limits', () => {
  it('tells the rate from the crossed limit with a decimal instead of "26% ... below 26%-43%"', () => {
    const march = report.months.find((m) => m.month === '2026-03')
    expect(march?.anomaly).toBe('low')
    expect(Math.round((march?.winRate ?? 0) * 100)).toBe(Math.round((march?.lcl ?? 1) * 100))
    const finding = report.findings.find((f) => f.key === 'winrate_low:2026-03')
    expect(finding?.text).toContain("Mar 2026's win rate of 26.0% (273 closed deals) is below the normal range of 26.1%-43%")
  })

  it('keeps whole percents where rate and limit already read apart', () => {
    const finding = report.findings.find((f) => f.key === 'winrate_low:2026-05')
    expect(finding?.text).toContain("May 2026's win rate of 19% (280 closed deals) is below the normal range of 26%-43%")
  })
})

import { expect, it } from 'vitest'
import { monthRange } from '../../src/domain/dates.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'

/** `count` deals created on `created` and closed on `closed`, the first `won` of them won. */
function deals(prefix: string, count: number, won: number, created: string, closed: string): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${prefix}-${i},${created},${closed},r1,SaaS,EMEA,Core,Inbound,Demo,1000,${i < won ? 'Won' : 'Lost'}`,
  )
}

// Twenty deals a month, half won, through March 2024; April and May win 2 in 20. The export was
// taken on 15 June 2024, so June holds ten new deals: half a month, not a fall in volume.
const ROWS = [
  ...monthRange('2023-01', '2024-03').flatMap((m) => deals(m, 20, 10, `${m}-01`, `${m}-10`)),
  ...deals('2024-04', 20, 2, '2024-04-01', '2024-04-10'),
  ...deals('2024-05', 20, 2, '2024-05-01', '2024-05-10'),
  ...deals('2024-06', 10, 1, '2024-06-05', '2024-06-15'),
]

describeEachDialect('pipeline volume next to a drop, in a report run months after the export', (dialect) => {
  it('does not count the month the export was taken in as a month of new deals', async () => {
    const store = await dialect.open()
    try {
      await importCsvFile(store, {
        path: writeTempFile('deals.csv', [HEADER, ...ROWS, ''].join('\n')),
        stages: ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'],
        today: '2024-06-15',
      })
      const report = await loadWinrateReport(store.db, { asOf: '2024-10-15' })
      expect(report.months.filter((m) => m.anomaly === 'low').map((m) => m.month)).toEqual(['2024-04', '2024-05'])
      const volume = report.findings.find((f) => f.report === 'volume')?.text
      expect(volume).toMatch(
        /^Pipeline volume did not fall with it: 20 deals created per month since Apr 2024 \(to May 2024: the data end on 2024-06-15, part of Jun 2024\) vs 20 before \(\+0%\)/,
      )
      // As of a day in June, June is the partial month, and the comparison is the same.
      const inJune = await loadWinrateReport(store.db, { asOf: '2024-06-20' })
      expect(inJune.findings.find((f) => f.report === 'volume')?.text).toMatch(
        /^Pipeline volume did not fall with it: 20 deals created per month since Apr 2024 vs 20 before \(\+0%\)/,
      )
    } finally {
      await store.close()
    }
  })
})

import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { DEFAULT_STAGES } from '../../src/domain/default-stages.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadDriversReport } from '../../src/services/load-drivers-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { nestedRepsCsv } from '../helpers/nested-reps-csv.js'
import { writeTempFile } from '../helpers/test-store.js'

const AS_OF = '2024-12-31'
const EMEA_REPS = ['rep_5', 'rep_6', 'rep_7', 'rep_8']

describeEachDialect('loadDriversReport finds the reps that sell in one region', (dialect) => {
  let store: Store
  beforeAll(async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('nested-reps.csv', nestedRepsCsv()), stages: DEFAULT_STAGES })
  })
  afterAll(async () => {
    await store.close()
  })

  it("reads how many of each significant rep's deals are in each significant region, and states the region only", async () => {
    const drivers = await loadDriversReport(store.db, { asOf: AS_OF })
    for (const rep of EMEA_REPS)
      expect(drivers.nested).toContainEqual({ segment: { sales_rep_id: rep }, within: { region: 'EMEA' }, n: 200, won: 40 })
    const stated = drivers.findings.filter((f) => f.significant).map((f) => f.key)
    expect(stated).toContain('drivers_low:region=EMEA')
    expect(stated.filter((k) => k.includes('sales_rep_id'))).toEqual([])
  })

  it('counts within a filter too', async () => {
    // Core deals only: 100 per rep, 20 won in EMEA.
    const drivers = await loadDriversReport(store.db, { asOf: AS_OF, where: { product_type: 'core' } })
    for (const rep of EMEA_REPS)
      expect(drivers.nested).toContainEqual({ segment: { sales_rep_id: rep }, within: { region: 'EMEA' }, n: 100, won: 20 })
    expect(drivers.findings.filter((f) => f.significant && f.key.includes('sales_rep_id'))).toEqual([])
  })
})

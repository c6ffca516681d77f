import { afterAll, beforeAll, expect, it } from 'vitest'
import { findValuePairOutcomes } from '../../src/db/find-segment-outcomes.js'
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

  it('on a scope of more closed deals than it reads the overlap for, leaves the read out and says so', async () => {
    const checked = await loadDriversReport(store.db, { asOf: AS_OF })
    expect(checked.nestingUnchecked).toBeUndefined()
    expect(checked.findings.map((f) => f.key)).not.toContain('drivers_nesting_unchecked')
    const drivers = await loadDriversReport(store.db, { asOf: AS_OF }, { nestingReadMaxClosed: checked.n - 1 })
    expect(drivers.nested?.filter((v) => v.segment.sales_rep_id !== undefined)).toEqual([])
    expect(drivers.nestingUnchecked).toContainEqual(['region', 'sales_rep_id'])
    const note = drivers.findings.find((f) => f.key === 'drivers_nesting_unchecked')
    expect(note?.significant).toBe(false)
    expect(note?.text).toContain(`with ${checked.n.toLocaleString('en-US')} closed deals`)
    expect(note?.text).toContain('region')
    expect(note?.text).toContain('sales_rep_id')
    // At the limit itself the overlap is still read.
    const atLimit = await loadDriversReport(store.db, { asOf: AS_OF }, { nestingReadMaxClosed: checked.n })
    expect(atLimit.nested).toEqual(checked.nested)
    expect(atLimit.nestingUnchecked).toBeUndefined()
  })

  it('counts within a filter too', async () => {
    // Core deals only: 100 per rep, 20 won in EMEA.
    const drivers = await loadDriversReport(store.db, { asOf: AS_OF, where: { product_type: 'core' } })
    for (const rep of EMEA_REPS)
      expect(drivers.nested).toContainEqual({ segment: { sales_rep_id: rep }, within: { region: 'EMEA' }, n: 100, won: 20 })
    expect(drivers.findings.filter((f) => f.significant && f.key.includes('sales_rep_id'))).toEqual([])
  })
})

describeEachDialect('findValuePairOutcomes', (dialect) => {
  let store: Store
  beforeAll(async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('nested-reps-pairs.csv', nestedRepsCsv()), stages: DEFAULT_STAGES })
  })
  afterAll(async () => {
    await store.close()
  })

  const emeaCell = (rows: Awaited<ReturnType<typeof findValuePairOutcomes>>) =>
    rows.find((r) => r.fields.join() === 'region,sales_rep_id' && r.values.join() === 'EMEA,rep_5')

  it('counts the combinations of the values asked for', async () => {
    const rows = await findValuePairOutcomes(store.db, { asOf: AS_OF }, [
      { fields: ['region', 'sales_rep_id'], values: [['EMEA'], ['rep_5', 'rep_1']] },
    ])
    expect(emeaCell(rows)).toMatchObject({ n: 200, won: 40 })
    // rep_1 sells in North America only: no EMEA deal of theirs, and no other region was asked for.
    expect(rows.map((r) => r.values.join())).toEqual(['EMEA,rep_5'])
  })

  it('counts every closed deal when more values are asked for than one query can list', async () => {
    const many = Array.from({ length: 40_000 }, (_, i) => `rep_x${i}`)
    const rows = await findValuePairOutcomes(store.db, { asOf: AS_OF }, [
      { fields: ['region', 'sales_rep_id'], values: [['EMEA'], ['rep_5', ...many]] },
    ])
    expect(emeaCell(rows)).toMatchObject({ n: 200, won: 40 })
    expect(rows.reduce((t, r) => t + r.n, 0)).toBe(3200)
  })
})

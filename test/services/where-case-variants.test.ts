import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ReportQuery } from '../../src/analytics/report-types.js'
import type { Store } from '../../src/db/open-store.js'
import { DEFAULT_STAGES } from '../../src/domain/default-stages.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadDriversReport } from '../../src/services/load-drivers-report.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { matchFilterValues } from '../../src/services/match-filter-values.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'
import { withoutRollup } from '../helpers/without-rollup.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date'
// Three spellings of one region (the importer keeps each as written, spaces trimmed), and another region.
const REGIONS = ['EMEA', 'emea', ' EMEA ', 'APAC'] as const
const rows: string[] = []
REGIONS.forEach((region, r) => {
  for (let k = 0; k < 6; k++) {
    const outcome = ['Won', 'Lost', 'Open'][k % 3] as string
    const closed = outcome === 'Open' ? '' : `2024-03-${String(10 + k).padStart(2, '0')}`
    rows.push(
      `R${r}K${k},2024-01-${String(5 + k).padStart(2, '0')},${closed},rep_${k % 2},SaaS,"${region}",Core,Inbound,Demo,${60_000 + k * 1000},${outcome},2024-01-20`,
    )
  }
})
// EMEA in any spelling: 3 x 6 deals, 6 won, 6 lost, 6 open.
const AS_OF = '2024-04-30'

describeEachDialect('a --where value matches the deals of every spelling that differs only in case or spaces', (dialect) => {
  let store: Store
  beforeAll(async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('case-variants.csv', `${[HEADER, ...rows].join('\n')}\n`), stages: DEFAULT_STAGES })
  })
  afterAll(async () => {
    await store.close()
  })

  const totals = async (query: ReportQuery) => {
    const [winrate, losses, funnel, stalled, drivers] = [
      await loadWinrateReport(store.db, { ...query, months: 6 }),
      await loadLossesReport(store.db, query),
      await loadFunnelReport(store.db, query),
      await loadStalledReport(store.db, query),
      await loadDriversReport(store.db, query),
    ]
    return {
      won: winrate.months.reduce((s, m) => s + m.won, 0),
      lost: losses.totalLost,
      reached: funnel.stages[0]?.reached ?? 0,
      stalled: stalled.stalledCount,
      closed: drivers.n,
    }
  }

  for (const typed of ['EMEA', 'emea', 'Emea', ' eMeA ']) {
    it(`region=${JSON.stringify(typed)} counts all 18 EMEA deals, from the rollup and from the deals`, async () => {
      const want = { won: 6, lost: 6, reached: 18, stalled: 6, closed: 12 }
      expect(await totals({ asOf: AS_OF, where: { region: typed } })).toEqual(want)
      expect(await withoutRollup(store, () => totals({ asOf: AS_OF, where: { region: typed } }))).toEqual(want)
      // As of an earlier day the monthly counts come from the rollup and the deals together.
      const earlier = await totals({ asOf: '2024-03-12', where: { region: typed } })
      expect(earlier).toMatchObject({ won: 3, lost: 3, closed: 6 })
      expect(await withoutRollup(store, () => totals({ asOf: '2024-03-12', where: { region: typed } }))).toEqual(earlier)
    })
  }

  it('keeps another region out, and every value as the data spells it in the drivers segments', async () => {
    expect(await totals({ asOf: AS_OF, where: { region: 'apac' } })).toEqual({ won: 2, lost: 2, reached: 6, stalled: 2, closed: 4 })
    const drivers = await loadDriversReport(store.db, { asOf: AS_OF })
    const regions = drivers.segments.filter((s) => Object.keys(s.segment).length === 1 && s.segment.region).map((s) => s.segment.region)
    expect(regions.sort()).toEqual(['APAC', 'EMEA', 'emea'])
    expect(drivers.caseVariants).toEqual([{ field: 'region', values: ['EMEA', 'emea'] }])
    const note = drivers.findings.find((f) => f.key === 'drivers_case_variants')
    expect(note).toMatchObject({ significant: false })
    expect(note?.text).toContain('region holds values that differ only in case or surrounding spaces ("EMEA", "emea")')
  })

  it('says which spellings a filter value takes, and respells one that matches a single spelling', async () => {
    const several = await matchFilterValues(store.db, { region: 'Emea' }, ['region'])
    expect(several).toMatchObject({ where: { region: 'Emea' }, unknown: [], respelled: [] })
    expect(several.spellings).toEqual([{ field: 'region', typed: 'Emea', stored: ['EMEA', 'emea'] }])
    const one = await matchFilterValues(store.db, { region: 'apac' }, ['region'])
    expect(one).toMatchObject({ where: { region: 'APAC' }, spellings: [], respelled: [{ field: 'region', typed: 'apac', stored: 'APAC' }] })
  })
})

import { afterEach, beforeEach, expect, it } from 'vitest'
import type { ReportQuery } from '../../src/analytics/report-types.js'
import { findRollupSlice } from '../../src/db/find-rollup-slice.js'
import type { Store } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { loadDriversReport } from '../../src/services/load-drivers-report.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { withoutRollup } from '../helpers/without-rollup.js'
import { closedDeals, type FixtureDeal, insertDeals } from './deal-fixtures.js'

const AS_OF = '2024-07-20'

async function everyReport(store: Store, q: ReportQuery) {
  return {
    winrate: await loadWinrateReport(store.db, { ...q, months: 12 }),
    losses: await loadLossesReport(store.db, q),
    funnel: await loadFunnelReport(store.db, q),
    drivers: await loadDriversReport(store.db, q),
    stalled: await loadStalledReport(store.db, { ...q, limit: 0 }),
  }
}

const live: FixtureDeal[] = ['01', '02', '03', '04', '05', '06'].flatMap((m) => closedDeals('live', `2024-${m}`, 30, 70))
const archived: FixtureDeal[] = [
  // an archived history from before the live one, and archived deals in every report
  ...closedDeals('gone', '2023-01', 50, 0, { archived: 1, region: 'APAC' }),
  ...closedDeals('gone', '2024-06', 0, 60, { archived: 1, stage: 'Demo' }),
  { deal_id: 'gone-open', created_date: '2024-05-01', amount: 900_000, last_activity_date: '2024-05-02', archived: 1 },
]

describeEachDialect('archived deals', (dialect) => {
  let store: Store
  beforeEach(async () => {
    store = await dialect.open()
  })
  afterEach(async () => {
    await store.close()
  })

  it('count in no report, read from the rollup or from the deals', async () => {
    await insertDeals(store, live)
    const want = await withoutRollup(store, () => everyReport(store, { asOf: AS_OF }))
    await insertDeals(store, archived)
    await refreshAnalyticsRollup(store)
    expect(await findRollupSlice(store.db, { asOf: AS_OF })).not.toBeNull()
    const rolled = await everyReport(store, { asOf: AS_OF })
    const direct = await withoutRollup(store, () => everyReport(store, { asOf: AS_OF }))
    expect(direct).toEqual(want)
    expect(rolled).toEqual(want)
    expect(rolled.winrate.months.find((m) => m.month === '2024-06')).toMatchObject({ won: 30, lost: 70, anomaly: null })
    expect(rolled.drivers.segments.some((s) => s.segment.region === 'APAC')).toBe(false)
    expect(rolled.stalled.stalledCount).toBe(0)
  })
})

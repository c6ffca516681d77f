import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReportQuery } from '../../src/analytics/report-types.js'
import { findMonthlyRollupSlice, findRollupSlice } from '../../src/db/find-rollup-slice.js'
import type { Store } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup, rollupOpenStages, writeAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { createRollupBuilder } from '../../src/domain/create-rollup-builder.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { loadDriversReport } from '../../src/services/load-drivers-report.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { loadTimeInStageReport } from '../../src/services/load-time-in-stage-report.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { insertDeals } from '../analytics/deal-fixtures.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { withoutRollup } from '../helpers/without-rollup.js'

const AS_OF = '2024-07-20'
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']

async function everyReport(store: Store, q: ReportQuery) {
  return {
    winrate: await loadWinrateReport(store.db, { ...q, months: 30 }),
    losses: await loadLossesReport(store.db, q),
    funnel: await loadFunnelReport(store.db, q),
    times: await loadTimeInStageReport(store.db, q),
    drivers: await loadDriversReport(store.db, q),
    stalled: await loadStalledReport(store.db, { ...q, limit: 0 }),
  }
}

describeEachDialect('the rollup gives the same reports as the deals table', (dialect) => {
  describe.each([
    ['with stage history', true],
    ['without stage history', false],
  ])('%s', (_, history) => {
    let store: Store
    beforeAll(async () => {
      const dir = tempDir()
      const csv = `${dir}/deals.csv`
      writeSampleFiles({ out: csv, seed: 11, asOf: AS_OF, deals: 3000 })
      store = await dialect.open()
      await importCsvFile(store, { path: csv, stages: STAGES, ...(history ? {} : { map: new Map([['stage_history', 'no_such_column']]) }) })
    })
    afterAll(async () => {
      await store.close()
    })

    it('is built by the import and used for as-of dates on or after the data', async () => {
      expect(await findRollupSlice(store.db, { asOf: AS_OF })).toMatchObject({ dims: '', history })
      expect(await findRollupSlice(store.db, { asOf: '2023-01-01' })).toBeNull()
      expect(await findRollupSlice(store.db, { asOf: AS_OF, where: { region: 'EMEA', amount_band: '<10k' } })).toBeNull()
    })

    for (const [label, q] of [
      ['all deals', { asOf: AS_OF }],
      ['one filter', { asOf: AS_OF, where: { region: 'EMEA' } }],
      ['owner scope', { asOf: AS_OF, ownerIds: ['rep_01', 'rep_02', 'rep_03'] }],
      ['a later as-of', { asOf: '2024-09-02' }],
    ] as Array<[string, ReportQuery]>) {
      it(`agrees for ${label}`, async () => {
        expect(await findRollupSlice(store.db, q)).not.toBeNull()
        const rolled = await everyReport(store, q)
        const direct = await withoutRollup(store, () => everyReport(store, q))
        expect(rolled).toEqual(direct)
      })
    }

    it('answers the counts by closed and created month as of an earlier day, reading the deals only for that month up to it', async () => {
      expect(await findMonthlyRollupSlice(store.db, { asOf: AS_OF })).toMatchObject({ throughMonth: null, readFrom: null })
      expect(await findMonthlyRollupSlice(store.db, { asOf: '2024-03-31' })).toMatchObject({ throughMonth: '2024-03', readFrom: null })
      expect(await findMonthlyRollupSlice(store.db, { asOf: '2024-03-17' })).toMatchObject({
        throughMonth: '2024-02',
        readFrom: '2024-03-01',
      })
      expect(await findMonthlyRollupSlice(store.db, { asOf: '2024-01-01' })).toMatchObject({
        throughMonth: '2023-12',
        readFrom: '2024-01-01',
      })
      expect(await findMonthlyRollupSlice(store.db, { asOf: '2024-03-17', where: { region: 'EMEA', amount_band: '<10k' } })).toBeNull()
      expect(await withoutRollup(store, () => findMonthlyRollupSlice(store.db, { asOf: '2024-03-17' }))).toBeNull()
    })

    for (const [label, q] of [
      ['an earlier month end', { asOf: '2024-03-31' }],
      ['a day within an earlier month', { asOf: '2024-03-17' }],
      ['the first day of an earlier month', { asOf: '2024-05-01' }],
      ['a day within an earlier month, one filter', { asOf: '2024-02-29', where: { region: 'EMEA' } }],
      ['a day within an earlier month, owner scope', { asOf: '2024-06-12', ownerIds: ['rep_01', 'rep_02', 'rep_03'] }],
    ] as Array<[string, ReportQuery]>) {
      it(`agrees as of ${label}`, async () => {
        expect(await findMonthlyRollupSlice(store.db, q)).not.toBeNull()
        const rolled = await everyReport(store, q)
        const direct = await withoutRollup(store, () => everyReport(store, q))
        expect(rolled.winrate.months.some((m) => m.won > 0)).toBe(true)
        expect(rolled).toEqual(direct)
      })
    }
  })
})

describeEachDialect('refreshAnalyticsRollup', (dialect) => {
  it('handles an empty store and an odd stage name (lost at a closed stage)', async () => {
    const store = await dialect.open()
    expect(await refreshAnalyticsRollup(store)).toBe(true)
    const csv = writeTempFile(
      'deals.csv',
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome\n' +
        'A,2024-01-02,2024-02-03,r1,SaaS,EMEA,Core,Inbound,Closed,1000,Lost\n' +
        'B,2024-01-05,2024-03-01,r1,SaaS,EMEA,Core,Inbound,Closed,2000,Won\n' +
        'C,2024-02-05,,r2,SaaS,NA,Pro,Inbound,Demo,60000,Open\n',
    )
    await importCsvFile(store, { path: csv, stages: STAGES })
    const q = { asOf: '2024-03-10' }
    const rolled = await everyReport(store, q)
    expect(rolled.losses.stages.map((s) => s.stage)).toEqual(['Closed'])
    expect(rolled).toEqual(await withoutRollup(store, () => everyReport(store, q)))
    await store.close()
  })

  it('treats bad stays alike: a stay left after its deal closed ends at the close, one ending before it starts is skipped', async () => {
    const store = await dialect.open()
    await insertDeals(store, [
      { deal_id: 'w', outcome: 'won', created_date: '2024-04-03', closed_date: '2024-07-04', stage: 'Closed' },
      { deal_id: 'o', created_date: '2024-05-01', stage: 'Demo' },
    ])
    await store.db
      .insertInto('stage_history')
      .values([
        { deal_id: 'w', stage: 'Demo', entered_at: '2024-04-03', left_at: '2024-06-17' },
        { deal_id: 'w', stage: 'Negotiation', entered_at: '2024-06-17', left_at: '2024-08-02' },
        { deal_id: 'w', stage: 'Closed', entered_at: '2024-08-02', left_at: '2024-07-04' },
        { deal_id: 'o', stage: 'Demo', entered_at: '2024-05-01', left_at: null },
      ])
      .execute()
    await store.db.insertInto('meta').values({ key: 'data_version', value: 'v1' }).execute()
    expect(await refreshAnalyticsRollup(store)).toBe(true)
    const q = { asOf: '2024-07-20' }
    expect(await findRollupSlice(store.db, q)).not.toBeNull()
    const rolled = await everyReport(store, q)
    expect(rolled.times.stages.find((s) => s.stage === 'Negotiation')).toMatchObject({ completed: 1, median: 17 })
    expect(rolled).toEqual(await withoutRollup(store, () => everyReport(store, q)))
    await store.close()
  })
})

describeEachDialect('a refresh that finishes after newer data was committed', (dialect) => {
  it('does not replace the newer rollup with its own (built from older data), so reports keep using it', async () => {
    const store = await dialect.open()
    const csv = (rows: string) =>
      writeTempFile(
        'deals.csv',
        `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome\n${rows}`,
      )
    await importCsvFile(store, { path: csv('A,2024-01-02,2024-02-03,r1,SaaS,EMEA,Core,Inbound,Closed,1000,Lost\n'), stages: STAGES })
    // A refresh reads the data version and builds from it...
    const older = (await store.db.selectFrom('meta').select('value').where('key', '=', 'data_version').executeTakeFirstOrThrow()).value
    const openStages = await rollupOpenStages(store.db)
    const builtFromOlder = createRollupBuilder({ openStages, history: false, capacity: 1 }).finish()
    // ...while another import commits and refreshes the rollup for its data.
    await importCsvFile(store, { path: csv('B,2024-01-05,2024-03-01,r1,SaaS,EMEA,Core,Inbound,Closed,2000,Won\n'), stages: STAGES })
    expect(await findRollupSlice(store.db, { asOf: '2024-03-10' })).not.toBeNull()
    // The slower refresh writes last: its rollup is out of date before it is stored.
    await writeAnalyticsRollup(store, builtFromOlder, { dataVersion: older, openStages })
    expect(await findRollupSlice(store.db, { asOf: '2024-03-10' })).not.toBeNull()
    const r = await loadLossesReport(store.db, { asOf: '2024-03-10' })
    expect(r.totalLost).toBe(1)
    await store.close()
  })
})

describeEachDialect('a database without the rollup tables', (dialect) => {
  it('is not refreshed, and its reports read the deals', async () => {
    const store = await dialect.open()
    await insertDeals(store, [{ deal_id: 'w', outcome: 'won', created_date: '2024-01-03', closed_date: '2024-02-04' }])
    await store.db.schema.dropTable('analytics_rollup_state').execute()
    expect(await refreshAnalyticsRollup(store)).toBe(false)
    expect(await findRollupSlice(store.db, { asOf: '2024-03-01' })).toBeNull()
    const r = await loadLossesReport(store.db, { asOf: '2024-03-01' })
    expect(r.totalLost).toBe(0)
    await store.close()
  })
})

describeEachDialect('sums of amounts near 10^17', (dialect) => {
  it('read the same whatever order the deals are added in: from the rollup and from the deals table', async () => {
    const store = await dialect.open()
    // 1e17 + 4 x 3 is 1e17 + 16 when the threes come first and 1e17 when they come last (the
    // nearest doubles are 16 apart); the file lists the threes first, deal-id order puts them last.
    const rows = ['z1', 'z2', 'z3', 'z4'].map((id) => `${id},2024-01-02,2024-02-03,r1,SaaS,EMEA,Core,Inbound,Demo,3,Lost`)
    const csv = writeTempFile(
      'deals.csv',
      `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome\n${[
        ...rows,
        'a,2024-01-02,2024-02-03,r1,SaaS,EMEA,Core,Inbound,Demo,1e17,Lost',
      ].join('\n')}\n`,
    )
    await importCsvFile(store, { path: csv, stages: STAGES })
    const q = { asOf: '2024-03-10' }
    const sums = async () => {
      const losses = await loadLossesReport(store.db, q)
      const winrate = await loadWinrateReport(store.db, { ...q, months: 3 })
      return [losses.stages.find((s) => s.stage === 'Demo')?.lostAmount, winrate.months.find((m) => m.month === '2024-02')?.lostAmount]
    }
    expect(await findRollupSlice(store.db, q)).not.toBeNull()
    expect(await sums()).toEqual([1e17, 1e17])
    expect(await withoutRollup(store, sums)).toEqual([1e17, 1e17])
    await store.close()
  })
})

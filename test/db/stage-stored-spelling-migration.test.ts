import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { findDataVersion } from '../../src/db/find-data-version.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { saveStageOrder, stagesFromNames } from '../../src/db/save-stage-order.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history'
// D1-D4 reached Demo; D3 and D4 were lost there, D1 and D2 are open in it; D5 stays in Qualified.
const ROWS = [
  'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open,Qualified@2024-01-02;Demo@2024-01-05',
  'D2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,200,Open,Qualified@2024-01-02;Demo@2024-01-06',
  'D3,2024-01-02,2024-03-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,300,Lost,Qualified@2024-01-02;Demo@2024-01-07',
  'D4,2024-01-02,2024-03-02,rep_1,SaaS,EMEA,Core,Inbound,Demo,400,Lost,Qualified@2024-01-02;Demo@2024-01-08',
  'D5,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Qualified,500,Open,Qualified@2024-01-02',
]

let store: Store | undefined
let schema: string | undefined
afterEach(async () => {
  if (store && schema) await dropTestSchema(store.db, schema)
  await store?.close()
  store = undefined
})

describeEachDialect('upgrading a store that holds a stage in two spellings', (dialect) => {
  it('spells every deal, loss and stay in the stored order’s spelling, so reports count them all again', async () => {
    const options = durableStoreOptions(dialect, `${tempDir()}/pulse.db`)
    schema = options.schema
    store = await openStore(options)
    const file = `${HEADER}\n${ROWS.join('\n')}\n`
    await importCsvFile(store, { path: writeTempFile('d.csv', file), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    const funnel = await loadFunnelReport(store.db, { asOf: AS_OF })
    const losses = await loadLossesReport(store.db, { asOf: AS_OF })
    expect(losses.stages.find((s) => s.stage === 'Demo')?.lost).toBe(2)

    // The store as an earlier release left it: D2 and D4 imported with the CSV's `demo` (and
    // `DEMO` for D4's stay), beside the order's `Demo`; D1's Demo stay stored in both spellings.
    const db = store.db
    await db.updateTable('deals').set({ stage: 'demo' }).where('deal_id', '=', 'D2').execute()
    await db.updateTable('deals').set({ stage: 'demo', lost_at_stage: 'demo' }).where('deal_id', '=', 'D4').execute()
    await db.updateTable('stage_history').set({ stage: 'demo' }).where('deal_id', '=', 'D2').where('stage', '=', 'Demo').execute()
    await db.updateTable('stage_history').set({ stage: 'DEMO' }).where('deal_id', '=', 'D4').where('stage', '=', 'Demo').execute()
    const d1 = await db
      .selectFrom('stage_history')
      .selectAll()
      .where('deal_id', '=', 'D1')
      .where('stage', '=', 'Demo')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('stage_history')
      .values({ ...d1, stage: 'demo' })
      .execute()
    // Its report summaries were built from the mixed deals: `demo` is no stage of the order.
    await db.updateTable('meta').set({ value: 'mixed' }).where('key', '=', 'data_version').execute()
    expect(await refreshAnalyticsRollup(store)).toBe(true)
    expect((await loadLossesReport(db, { asOf: AS_OF })).stages.find((s) => s.stage === 'Demo')?.lost).toBe(1)
    expect(await loadFunnelReport(db, { asOf: AS_OF })).not.toEqual(funnel)
    await db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '>=', '0019-stage-stored-spelling' as never)
      .execute()
    await store.close()

    store = await openStore(options)
    const deals = await store.db.selectFrom('deals').select(['deal_id', 'stage', 'lost_at_stage']).orderBy('deal_id').execute()
    expect(deals.map((d) => `${d.deal_id}:${d.stage}:${d.lost_at_stage ?? ''}`)).toEqual([
      'D1:Demo:',
      'D2:Demo:',
      'D3:Demo:Demo',
      'D4:Demo:Demo',
      'D5:Qualified:',
    ])
    const stays = await store.db.selectFrom('stage_history').select(['deal_id', 'stage']).orderBy('deal_id').orderBy('entered_at').execute()
    expect(stays.map((s) => `${s.deal_id}:${s.stage}`)).toEqual([
      'D1:Qualified',
      'D1:Demo',
      'D2:Qualified',
      'D2:Demo',
      'D3:Qualified',
      'D3:Demo',
      'D4:Qualified',
      'D4:Demo',
      'D5:Qualified',
    ])
    // The report summaries built from the mixed store are set aside, and reports count every deal.
    expect(await findDataVersion(store.db)).not.toBe('mixed')
    expect(await loadFunnelReport(store.db, { asOf: AS_OF })).toEqual(funnel)
    expect(await loadLossesReport(store.db, { asOf: AS_OF })).toEqual(losses)
  })

  it('folds again, once upgraded past a release whose CRM sync left deals in the CSV spelling beside its pipeline order', async () => {
    const options = durableStoreOptions(dialect, `${tempDir()}/pulse.db`)
    schema = options.schema
    store = await openStore(options)
    const file = `${HEADER}\n${ROWS.join('\n')}\n`
    await importCsvFile(store, { path: writeTempFile('d.csv', file), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    // The order a CRM sync saved (its pipeline's), and the deals it left in the CSV's spelling after 0019 had run.
    await saveStageOrder(store.db, stagesFromNames(DEFAULT_STAGES), 'hubspot')
    await store.db.updateTable('deals').set({ stage: 'demo', lost_at_stage: 'demo' }).where('deal_id', '=', 'D4').execute()
    await store.db.updateTable('stage_history').set({ stage: 'demo' }).where('deal_id', '=', 'D4').where('stage', '=', 'Demo').execute()
    await store.db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '>=', '0020-stage-spelling-after-sync' as never)
      .execute()
    await store.close()
    store = await openStore(options)
    const d4 = await store.db.selectFrom('deals').select(['stage', 'lost_at_stage']).where('deal_id', '=', 'D4').executeTakeFirstOrThrow()
    expect(d4).toEqual({ stage: 'Demo', lost_at_stage: 'Demo' })
    const stays = await store.db.selectFrom('stage_history').select('stage').where('deal_id', '=', 'D4').orderBy('entered_at').execute()
    expect(stays.map((h) => h.stage)).toEqual(['Qualified', 'Demo'])
    expect((await loadLossesReport(store.db, { asOf: AS_OF })).stages.find((s) => s.stage === 'Demo')?.lost).toBe(2)
  })

  it('leaves a store whose stages match the order as it was, data version included', async () => {
    const options = durableStoreOptions(dialect, `${tempDir()}/pulse.db`)
    schema = options.schema
    store = await openStore(options)
    const file = `${HEADER}\n${ROWS.join('\n')}\n`
    await importCsvFile(store, { path: writeTempFile('d.csv', file), stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    // A stage no order names keeps its spelling.
    await store.db.updateTable('deals').set({ stage: 'legal review' }).where('deal_id', '=', 'D5').execute()
    await store.db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '>=', '0019-stage-stored-spelling' as never)
      .execute()
    const version = await findDataVersion(store.db)
    await store.close()
    store = await openStore(options)
    expect(await findDataVersion(store.db)).toBe(version)
    expect((await store.db.selectFrom('deals').select('stage').where('deal_id', '=', 'D5').executeTakeFirstOrThrow()).stage).toBe(
      'legal review',
    )
  })
})

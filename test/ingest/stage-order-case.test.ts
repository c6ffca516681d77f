import { afterEach, expect, it } from 'vitest'
import { formatImportSummary } from '../../src/cli/commands/run-ingest-command.js'
import { DEFAULT_STAGES, loadConfig } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { findStageOrder, saveStageOrder, stagesFromNames } from '../../src/db/save-stage-order.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { configuredStages } from '../../src/services/configured-stages.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const FIRST = [
  'A1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,12000,Won',
  'A2,2024-01-04,2024-02-11,rep_1,SaaS,EMEA,Core,Inbound,Proposal,5000,Lost',
  'A3,2024-01-05,2024-03-12,rep_2,SaaS,APAC,Pro,Referral,Demo,7000,Lost',
  'A4,2024-02-06,,rep_2,FinTech,APAC,Pro,Referral,Negotiation,80000,Open',
]
// A later export, with the stage order set in lower case as well.
const SECOND = [
  'B1,2024-02-03,2024-03-10,rep_1,SaaS,EMEA,Core,Inbound,negotiation,9000,Lost',
  'B2,2024-02-04,,rep_2,SaaS,APAC,Pro,Referral,qualified,4000,Open',
]
const LOWER = DEFAULT_STAGES.map((s) => s.toLowerCase())
const AS_OF = '2024-04-15'
const csv = (rows: readonly string[]) => writeTempFile('d.csv', `${[HEADER, ...rows].join('\n')}\n`)

let store: Store
afterEach(async () => store?.close())

describeEachDialect('stage names in another case than the stored ones', (dialect) => {
  it('reports every deal when PULSE_STAGES spells the stored stages in another case', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: csv(FIRST), stages: DEFAULT_STAGES, now: new Date('2024-04-15T00:00:00Z') })
    const stages = await configuredStages(store, loadConfig({ PULSE_STAGES: LOWER.join(',') }))
    const query = { asOf: AS_OF, ...(stages ? { stages } : {}) }
    const losses = await loadLossesReport(store.db, query)
    expect(losses.openStages).toEqual(['Qualified', 'Demo', 'Proposal', 'Negotiation'])
    expect(losses.lateStageShare).toBe(0.5)
    const funnel = await loadFunnelReport(store.db, query)
    expect(funnel.stages.map((s) => [s.stage, s.reached])).toEqual(
      (await loadFunnelReport(store.db, { asOf: AS_OF })).stages.map((s) => [s.stage, s.reached]),
    )
    expect(funnel.stages.find((s) => s.stage === 'Demo')?.reached).toBe(4)
  })

  it('keeps the stored spelling of the stage order and of the deals when a later import configures another case', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: csv(FIRST), stages: DEFAULT_STAGES, now: new Date('2024-04-15T00:00:00Z') })
    await importCsvFile(store, { path: csv(SECOND), stages: LOWER, now: new Date('2024-04-15T00:00:00Z') })
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual([...DEFAULT_STAGES])
    const deals = await store.db.selectFrom('deals').select(['deal_id', 'stage']).orderBy('deal_id').execute()
    expect(deals.map((d) => d.stage)).toEqual(['Closed', 'Proposal', 'Demo', 'Negotiation', 'Negotiation', 'Qualified'])
    // Reports that read the stored order (Slack's, the CLI's without PULSE_STAGES) count every loss.
    const losses = await loadLossesReport(store.db, { asOf: AS_OF })
    expect(losses.stages.reduce((n, s) => n + s.lost, 0)).toBe(3)
    expect(losses.lateStageShare).toBeCloseTo(2 / 3)
    // And a third import with the default order again leaves them as they are.
    await importCsvFile(store, { path: csv(FIRST), stages: DEFAULT_STAGES, now: new Date('2024-04-15T00:00:00Z') })
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual([...DEFAULT_STAGES])
  })

  it('keeps a store first imported in lower case in its spelling when the default order comes back', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: csv(SECOND), stages: LOWER, now: new Date('2024-04-15T00:00:00Z') })
    await importCsvFile(store, { path: csv(FIRST), stages: DEFAULT_STAGES, now: new Date('2024-04-15T00:00:00Z') })
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(LOWER)
    const deals = await store.db.selectFrom('deals').select('stage').orderBy('deal_id').execute()
    expect(deals.map((d) => d.stage)).toEqual(['closed', 'proposal', 'demo', 'negotiation', 'negotiation', 'qualified'])
    const losses = await loadLossesReport(store.db, { asOf: AS_OF })
    expect(losses.openStages).toEqual(['qualified', 'demo', 'proposal', 'negotiation'])
    expect(losses.lateStageShare).toBeCloseTo(2 / 3)
  })

  it('lists the stages of a file that the saved order leaves out, a stage removed from PULSE_STAGES among them', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: csv(FIRST), stages: DEFAULT_STAGES, now: new Date('2024-04-15T00:00:00Z') })
    // Demo is no longer a stage: the deals the next export has there are in no stage of the order.
    const withoutDemo = ['Qualified', 'Proposal', 'Negotiation', 'Closed']
    const again = ['C1,2024-03-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,3000,Open']
    const summary = await importCsvFile(store, { path: csv(again), stages: withoutDemo, now: new Date('2024-04-15T00:00:00Z') })
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(withoutDemo)
    expect(summary.unknownStages).toEqual(['Demo'])
    expect(formatImportSummary(summary)).toContain('Stages not in the stage order (set PULSE_STAGES to include them): Demo.')
  })

  it("lists the configured stages that a CRM's saved pipeline order does not name", async () => {
    store = await dialect.open()
    await saveStageOrder(store.db, stagesFromNames(['Appointment Scheduled', 'Demo', 'Closed Won', 'Closed Lost']), 'hubspot')
    const rows = [
      'C1,2024-03-01,,rep_1,SaaS,EMEA,Core,Inbound,demo,3000,Open',
      'C2,2024-03-01,,rep_1,SaaS,EMEA,Core,Inbound,Proposal,3000,Open',
    ]
    const summary = await importCsvFile(store, { path: csv(rows), stages: DEFAULT_STAGES, now: new Date('2024-04-15T00:00:00Z') })
    expect(summary.unknownStages).toEqual(['Proposal'])
    // PULSE_STAGES names Proposal, but the pipeline's order is the one reports use: the advice says so.
    expect(summary.stageOrderSource).toBe('hubspot')
    expect(formatImportSummary(summary)).toContain(
      "Stages not in the stage order (the hubspot pipeline's order, saved by pulse sync, takes the place of PULSE_STAGES: add them to that pipeline): Proposal.",
    )
    const deals = await store.db.selectFrom('deals').select('stage').orderBy('deal_id').execute()
    expect(deals.map((d) => d.stage)).toEqual(['Demo', 'Proposal'])
  })
})

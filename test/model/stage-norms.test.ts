import { expect, it } from 'vitest'
import { addDays } from '../../src/domain/dates.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { stageNormsFrom } from '../../src/model/stage-norms.js'
import { type SerializedWinModel, WinRateDriverEngine } from '../../src/model/win-rate-driver-engine.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'
import { FIXTURE_AS_OF, ownerClosesOf, syntheticDeals } from './model-fixtures.js'

const AS_OF = '2024-07-20'
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,stage_history'

/**
 * 160 closed deals whose stage history ends, for the won ones, with the pipeline's closing stage
 * (`Closed@<close date>`, as a CRM export writes it), plus open deals in Negotiation and in that
 * closing stage (an export whose outcome column was not filled in yet).
 */
function pipelineCsv(): string {
  const rows: string[] = []
  for (let i = 0; i < 160; i++) {
    const created = addDays(AS_OF, -400 + 2 * i)
    const won = i % 3 !== 0
    const demo = addDays(created, 3 + (i % 5))
    const negotiation = addDays(demo, 5 + (i % 7))
    const closed = addDays(negotiation, 4 + (i % 9))
    const history = won
      ? `Qualified@${created};Demo@${demo};Negotiation@${negotiation};Closed@${closed}`
      : `Qualified@${created};Demo@${demo}`
    rows.push(
      [
        `C${i}`,
        created,
        closed,
        `rep${i % 4}`,
        'SaaS',
        i % 2 ? 'EMEA' : 'APAC',
        'Pro',
        'Inbound',
        won ? 'Closed' : 'Demo',
        10_000 + 1000 * i,
        won ? 'Won' : 'Lost',
        addDays(closed, -1),
        history,
      ].join(','),
    )
  }
  const openCreated = addDays(AS_OF, -30)
  rows.push(
    `OPEN-NEG,${openCreated},,rep1,SaaS,EMEA,Pro,Inbound,Negotiation,40000,Open,${addDays(AS_OF, -2)},Qualified@${openCreated};Negotiation@${addDays(AS_OF, -25)}`,
  )
  rows.push(
    `OPEN-CLOSED,${openCreated},,rep1,SaaS,EMEA,Pro,Inbound,Closed,40000,Open,${addDays(AS_OF, -2)},Qualified@${openCreated};Closed@${addDays(AS_OF, -19)}`,
  )
  return `${HEADER}\n${rows.join('\n')}\n`
}

it('keeps no norm for a closed stage: a won deal entering the end of the pipeline is not a stay in an open stage', () => {
  const rows = [
    { stage: 'Negotiation', days: 5, deals: 25 },
    { stage: 'Closed', days: 0, deals: 25 },
    { stage: 'Closed Won', days: 0, deals: 25 },
    { stage: 'Closed Lost', days: 0, deals: 25 },
    { stage: 'Signed', days: 0, deals: 25 },
  ]
  expect([...stageNormsFrom(rows, ['Signed']).keys()]).toEqual(['Negotiation'])
  // Without the stage order, the names that read as a pipeline's end are still left out.
  expect([...stageNormsFrom(rows).keys()]).toEqual(['Negotiation', 'Signed'])
})

it('does not use the norm a model stored before this rule kept for a closed stage', () => {
  const deals = syntheticDeals({ n: 400, seed: 3, signal: false })
  const stageDurations = [
    { stage: 'Negotiation', days: 5, deals: 25 },
    { stage: 'Closed', days: 0, deals: 25 },
  ]
  const engine = WinRateDriverEngine.train({ deals, ownerCloses: ownerClosesOf(deals), stageDurations, asOf: FIXTURE_AS_OF, staleDays: 30 })
  expect([...engine.stageNorms.keys()]).toEqual(['Negotiation'])
  const stored = JSON.parse(JSON.stringify(engine.serialize())) as SerializedWinModel
  stored.stageNorms.push(['Closed', { median: 0, p90: 0, n: 25 }])
  expect([...WinRateDriverEngine.fromSerialized(stored).stageNorms.keys()]).toEqual(['Negotiation'])
})

describeEachDialect('stage norms of a trained model', (dialect) => {
  it('never judges an open deal sitting in the closing stage against won deals "leaving it within 0" days', async () => {
    const store = await dialect.open()
    await importCsvFile(store, {
      path: writeTempFile('pipeline.csv', pipelineCsv()),
      map: new Map(),
      stages: ['Qualified', 'Demo', 'Negotiation', 'Closed'],
      startedBy: null,
    })
    await retrainModel(store, { asOf: AS_OF, staleDays: 30 })
    const report = await scoreOpenDeals(store, { asOf: AS_OF, idleDays: 14, save: false })
    const byId = new Map(report.deals.map((d) => [d.dealId, d]))
    const negotiation = byId.get('OPEN-NEG')
    const closing = byId.get('OPEN-CLOSED')
    // The open stage keeps its norm (25 days against won deals' 5-11).
    expect(negotiation?.reasons.some((r) => /^In Negotiation 25 days; 90% of won deals leave it within \d+$/.test(r))).toBe(true)
    expect(closing?.reasons.some((r) => r.startsWith('In Closed'))).toBe(false)
    // Without a norm the pace part is left out, not scored 0: same probability, same activity, so
    // the deal in the closing stage is healthier than the one far past its stage's norm.
    expect(closing?.winProbability).toBe(negotiation?.winProbability)
    expect(closing?.healthScore).toBeGreaterThan(negotiation?.healthScore ?? 100)
    await store.close()
  })
})

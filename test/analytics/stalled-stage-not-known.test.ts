import { afterEach, expect, it } from 'vitest'
import { stalledText } from '../../src/analytics/report-text.js'
import { STAGE_NOT_KNOWN } from '../../src/analytics/report-types.js'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// As of 2024-03-10 all four were open and quiet (last activity in January); all closed in April.
// W1 was won with deal_stage Negotiation (a won deal's deal_stage may be any stage), W2 won at
// Closed, L1 lost at Proposal (the stage it was lost at), L2 lost at Closed (not an open stage).
// H1 was won too, but its stage history places it in Demo that day. O1 dates the newest record
// (July), so the April closes have happened.
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,stage_history'
const CSV = `${HEADER}
W1,2024-01-18,2024-04-27,r1,SaaS,EMEA,Core,Inbound,Negotiation,99000,Won,2024-01-20,
W2,2024-01-18,2024-04-20,r1,SaaS,EMEA,Core,Inbound,Closed,98000,Won,2024-01-20,
L1,2024-01-18,2024-04-21,r1,SaaS,EMEA,Core,Inbound,Proposal,97000,Lost,2024-01-20,
L2,2024-01-18,2024-04-22,r1,SaaS,EMEA,Core,Inbound,Closed,96000,Lost,2024-01-20,
O1,2024-06-01,,r1,SaaS,EMEA,Core,Inbound,Demo,1000,Open,2024-07-01,
`
const HISTORY = `H1,2024-01-18,2024-04-23,r1,SaaS,EMEA,Core,Inbound,Closed,95000,Won,2024-01-20,Qualified@2024-01-18;Demo@2024-02-01;Negotiation@2024-04-01;Closed@2024-04-23
O1,2024-06-01,,r1,SaaS,EMEA,Core,Inbound,Demo,1000,Open,2024-07-01,
`
const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('the stalled report as of a past day, for a deal closed since without stage history', (dialect) => {
  it('lists a deal won since, or lost at a closed stage, at no stage (its recorded stage is not where it was that day)', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('no-history.csv', CSV), stages: DEFAULT_STAGES })
    const r = await loadStalledReport(store.db, { asOf: '2024-03-10', rules, today: '2024-07-20' })
    const byId = new Map(r.stalled.map((d) => [d.dealId, d]))
    expect([...byId.keys()]).toEqual(['W1', 'W2', 'L1', 'L2'])
    expect(byId.get('W1')).toMatchObject({ stage: STAGE_NOT_KNOWN, outcomeNow: 'won', stageP90: null })
    expect(byId.get('W2')).toMatchObject({ stage: STAGE_NOT_KNOWN, outcomeNow: 'won' })
    expect(byId.get('L1')).toMatchObject({ stage: 'Proposal', outcomeNow: 'lost' })
    expect(byId.get('L2')).toMatchObject({ stage: STAGE_NOT_KNOWN, outcomeNow: 'lost' })
    expect(typeof byId.get('W1')?.stage).toBe('string')
    const note = r.findings.find((f) => f.key === 'stalled_past_as_of')?.text
    expect(note).toContain(
      `The stage that day of 3 listed deals is not known (shown as ${STAGE_NOT_KNOWN}): recorded won, or lost at a stage that is not an open one, with no stage history.`,
    )
    const text = stalledText(r)
    expect(text).toMatch(/W1 .* Unknown \(won since\) +\d+ +- +-/)
    expect(text).toMatch(/L1 .* Proposal \(lost since\) +\d+ +\d+ +-/)
    expect(text).not.toMatch(/W1 .*Negotiation/)
  })

  it('lists a deal won since in the stage its history gives for that day', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('history.csv', `${HEADER}\n${HISTORY}`), stages: DEFAULT_STAGES })
    const r = await loadStalledReport(store.db, { asOf: '2024-03-10', rules, today: '2024-07-20' })
    expect(r.stalled.map((d) => [d.dealId, d.stage, d.daysInStage])).toEqual([['H1', 'Demo', 38]])
    expect(r.findings.find((f) => f.key === 'stalled_past_as_of')?.text).not.toContain('not known')
  })
})

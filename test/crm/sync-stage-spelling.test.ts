import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { type FakeHubspotDeal, generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { type DocsSalesforceFake, docsOpportunities, startDocsSalesforceFake } from './docs-salesforce-fake.js'

// Stages the store holds in another case than the CRM's pipeline spells them (a CSV import's
// `contract sent`, the other CRM's `qualified to buy`), driven through the CLI with only the
// contract's variables. The CLI reads its configuration once a process: both fakes run for the file.
let hs: HubspotFake
let sf: DocsSalesforceFake
beforeAll(async () => {
  hs = await startHubspotFake({ deals: generateHubspotDeals(30, { seed: 5 }) })
  sf = await startDocsSalesforceFake({ opportunities: [], history: [] })
  process.env.HUBSPOT_TOKEN = hs.token
  process.env.HUBSPOT_API_URL = hs.url
  process.env.SALESFORCE_URL = sf.url
  process.env.SALESFORCE_CLIENT_ID = sf.clientId
  process.env.SALESFORCE_CLIENT_SECRET = sf.clientSecret
  process.env.PULSE_AS_OF = '2024-06-15'
})
afterAll(async () => {
  await hs.close()
  await sf.close()
})

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history'

async function storedStages(db: string) {
  const store = await openStore({ path: db })
  try {
    const deals = await store.db.selectFrom('deals').select(['stage', 'lost_at_stage']).execute()
    const history = await store.db.selectFrom('stage_history').select('stage').distinct().execute()
    return new Set([...deals.flatMap((d) => [d.stage, d.lost_at_stage ?? d.stage]), ...history.map((h) => h.stage)])
  } finally {
    await store.close()
  }
}

async function json(...args: string[]) {
  const run = await runCli(...args)
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout)
}

describe('pulse sync of a pipeline whose stages the store holds in another case', () => {
  it('gives the deals a CSV import stored the pipeline spelling, so losses by stage and the funnel count them', async () => {
    const db = join(tempDir(), 'pulse.db')
    const csv = writeTempFile(
      'deals.csv',
      `${[
        HEADER,
        'C1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,contract sent,12000,Lost,',
        'C2,2024-01-04,2024-02-11,rep_1,SaaS,EMEA,Core,Inbound,qualified to buy,5000,Lost,',
        'C3,2024-01-05,,rep_2,SaaS,APAC,Pro,Referral,contract sent,70000,Open,"appointment scheduled@2024-01-05;contract sent@2024-02-01"',
      ].join('\n')}\n`,
    )
    const ingest = await runCli('ingest', '--csv', csv, '--db', db)
    expect(ingest.stdout).toContain('3 new, 0 updated, 0 rejected')
    expect(await storedStages(db)).toContain('appointment scheduled')
    await json('sync', '--source', 'hubspot', '--db', db, '--json')

    const stages = await storedStages(db)
    for (const lower of ['contract sent', 'qualified to buy', 'appointment scheduled']) expect(stages.has(lower)).toBe(false)
    const losses = await json('report', 'losses', '--db', db, '--json')
    expect(losses.stages.every((s: { openStage: boolean }) => s.openStage)).toBe(true)
    const synced = [...hs.deals.values()].filter(
      (d: FakeHubspotDeal) => d.properties.hs_is_closed === 'true' && d.properties.hs_is_closed_won !== 'true',
    )
    expect(losses.totalLost).toBe(synced.length + 2)
    const contractSent = losses.stages.find((s: { stage: string }) => s.stage === 'Contract Sent')
    expect(contractSent?.lost).toBeGreaterThanOrEqual(1)
    // The open CSV deal at contract sent reaches Contract Sent in the funnel.
    const funnel = await json('report', 'funnel', '--db', db, '--json')
    expect(funnel.stages.map((s: { stage: string }) => s.stage)).not.toContain('contract sent')
    // A second sync, with the order unchanged, finds nothing to fold and stores nothing.
    expect(await json('sync', '--source', 'hubspot', '--db', db, '--json')).toMatchObject({ deals: 0 })
  })

  it('merges a second CRM stage spelt in another case into one stage, and stores its deals in that spelling', async () => {
    const data = docsOpportunities(6)
    // The Salesforce org names HubSpot's "Qualified To Buy" and "Closed Lost" in lower case.
    const lower = <T extends { StageName: string }>(r: T): T =>
      r.StageName === 'Qualification'
        ? { ...r, StageName: 'qualified to buy' }
        : r.StageName === 'Closed Lost'
          ? { ...r, StageName: 'closed lost' }
          : r
    sf.options = {
      opportunities: data.opportunities.map(lower),
      history: data.history.map(lower),
      stages: [
        ['Prospecting', 1, false, false, true],
        ['qualified to buy', 2, false, false, true],
        ['Closed Won', 9, true, true, true],
        ['closed lost', 10, true, false, true],
      ],
    }
    const db = join(tempDir(), 'pulse.db')
    await json('sync', '--source', 'hubspot', '--db', db, '--json')
    const summary = await json('sync', '--source', 'salesforce', '--db', db, '--json')
    expect(summary.deals).toBe(6)
    const status = await json('status', '--db', db, '--json')
    const order: string[] = status.stageOrder.stages
    expect(order.filter((s) => s.toLowerCase() === 'qualified to buy')).toEqual(['Qualified To Buy'])
    expect(order.filter((s) => s.toLowerCase() === 'closed lost')).toEqual(['Closed Lost'])
    const stages = await storedStages(db)
    expect(stages.has('qualified to buy')).toBe(false)
    expect(stages.has('closed lost')).toBe(false)
    const losses = await json('report', 'losses', '--db', db, '--json')
    expect(losses.stages.every((s: { openStage: boolean }) => s.openStage)).toBe(true)
  })
})

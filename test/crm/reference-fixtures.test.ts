import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { type FakeServerBase, startFakeServer } from '../fakes/crm-fake-server.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

// The reference fixtures (test/crm/fixtures, copied from the CRM fact sheet) replayed as they are,
// the simplest fake an outside check could point `pulse sync` at: the search answers page 1
// unless asked for `after: "2"`, every list endpoint answers its one fixture whatever the query,
// the token answer names https://acme.my.salesforce.com, and SOQL is routed by the object it names.
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'))

let hubspot: FakeServerBase
let salesforce: FakeServerBase
beforeAll(async () => {
  hubspot = await startFakeServer((req) => {
    const path = req.url.pathname
    if (!req.headers.authorization?.startsWith('Bearer ')) return { status: 401, body: { status: 'error', message: 'no token' } }
    if (req.method === 'POST' && path === '/crm/v3/objects/deals/search') {
      const after = (JSON.parse(req.body) as { after?: string }).after
      return { status: 200, body: fixture(after === '2' ? 'hubspot.search-deals.page2.json' : 'hubspot.search-deals.page1.json') }
    }
    if (req.method === 'POST' && path === '/crm/v3/objects/deals/batch/read')
      return { status: 200, body: fixture('hubspot.deals-batch-read.response.json') }
    if (req.method === 'GET' && path === '/crm/v3/objects/deals')
      return { status: 200, body: fixture('hubspot.deals-list-with-history.json') }
    if (req.method === 'GET' && path === '/crm/v3/pipelines/deals') return { status: 200, body: fixture('hubspot.pipelines-deals.json') }
    if (req.method === 'GET' && path.startsWith('/crm/v3/owners')) return { status: 200, body: fixture('hubspot.owners.json') }
    return { status: 404, body: { status: 'error', message: `no fixture for ${path}`, category: 'OBJECT_NOT_FOUND' } }
  })
  salesforce = await startFakeServer((req) => {
    const path = req.url.pathname
    if (req.method === 'POST' && path === '/services/oauth2/token')
      return { status: 200, body: fixture('salesforce.oauth-token.client-credentials.json') }
    if (path === '/services/data/v66.0/query/0r8XX00000AbCdEYAX-2')
      return { status: 200, body: fixture('salesforce.query-opportunities.page2.json') }
    const q = req.url.searchParams.get('q') ?? ''
    if (path === '/services/data/v66.0/queryAll') return { status: 200, body: fixture('salesforce.queryall-opportunities-deleted.json') }
    if (path === '/services/data/v66.0/query') {
      if (q.includes('FROM OpportunityHistory')) return { status: 200, body: fixture('salesforce.query-opportunityhistory.json') }
      if (q.includes('FROM OpportunityStage')) return { status: 200, body: fixture('salesforce.query-opportunitystage.json') }
      if (q.includes('FROM User')) return { status: 200, body: fixture('salesforce.query-user.json') }
      if (q.includes('FROM Opportunity')) return { status: 200, body: fixture('salesforce.query-opportunities.page1.json') }
    }
    return { status: 404, body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }] }
  })
  process.env.HUBSPOT_TOKEN = 'pat-na1-fixture'
  process.env.HUBSPOT_API_URL = hubspot.url
  process.env.SALESFORCE_URL = salesforce.url
  process.env.SALESFORCE_CLIENT_ID = '3MVG9fixture'
  process.env.SALESFORCE_CLIENT_SECRET = 'fixture-secret'
})
afterAll(async () => {
  await hubspot.close()
  await salesforce.close()
})

async function snapshot(db: string) {
  const store = await openStore({ path: db })
  try {
    return {
      deals: await store.db
        .selectFrom('deals')
        .select(['deal_id', 'outcome', 'stage', 'amount', 'closed_date', 'owner_email', 'region'])
        .orderBy('deal_id')
        .execute(),
      history: await store.db
        .selectFrom('stage_history')
        .select(['deal_id', 'stage', 'entered_at', 'left_at'])
        .orderBy('deal_id')
        .orderBy('entered_at')
        .execute(),
      owners: await store.db.selectFrom('owners').select(['owner_id', 'email', 'name']).orderBy('owner_id').execute(),
      stages: await store.db.selectFrom('stages').select(['name', 'is_closed', 'is_won']).orderBy('position').execute(),
    }
  } finally {
    await store.close()
  }
}

describe('pulse sync against the reference fixtures replayed as they are', () => {
  it('HubSpot: every deal the search finds, with the history the batch read has; a list of live deals is not taken for archived ones', async () => {
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--source', 'hubspot', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ source: 'hubspot', deals: 3, owners: 2, stages: 10 })
    const snap = await snapshot(db)
    // The batch read fixture holds the first two deals only, without owners: the third deal and the owners come from the search.
    const deal = (
      deal_id: string,
      outcome: string,
      stage: string,
      amount: number,
      closed_date: string | null,
      owner_email: string | null,
    ) => ({
      deal_id,
      outcome,
      stage,
      amount,
      closed_date,
      owner_email,
      region: 'Unknown',
    })
    expect(snap.deals).toEqual([
      deal('18234567001', 'open', 'Qualified To Buy', 48000, null, 'ana.ruiz@example.com'),
      deal('18234567002', 'won', 'Closed Won', 12500.5, '2024-05-01', 'bo.chen@example.com'),
      deal('18234567003', 'open', 'Appointment Scheduled', 0, null, null),
    ])
    expect(snap.history).toEqual([
      {
        deal_id: '18234567001',
        stage: 'Appointment Scheduled',
        entered_at: '2024-04-02T09:14:22.311Z',
        left_at: '2024-04-19T11:00:05.002Z',
      },
      { deal_id: '18234567001', stage: 'Qualified To Buy', entered_at: '2024-04-19T11:00:05.002Z', left_at: null },
      {
        deal_id: '18234567002',
        stage: 'Appointment Scheduled',
        entered_at: '2024-03-11T13:40:00.000Z',
        left_at: '2024-03-20T08:00:00.000Z',
      },
      { deal_id: '18234567002', stage: 'Qualified To Buy', entered_at: '2024-03-20T08:00:00.000Z', left_at: '2024-05-01T12:00:03.501Z' },
      { deal_id: '18234567002', stage: 'Closed Won', entered_at: '2024-05-01T12:00:03.501Z', left_at: null },
    ])
    expect(snap.owners).toEqual([
      { owner_id: '61234501', email: 'ana.ruiz@example.com', name: 'Ana Ruiz' },
      { owner_id: '61234502', email: 'bo.chen@example.com', name: 'Bo Chen' },
    ])
    expect(snap.stages.map((s) => [s.name, s.is_closed, s.is_won])).toEqual([
      ['Appointment Scheduled', 0, 0],
      ['Qualified To Buy', 0, 0],
      ['Presentation Scheduled', 0, 0],
      ['Decision Maker Bought-In', 0, 0],
      ['Contract Sent', 0, 0],
      ['Renewal due', 0, 0],
      ['Closed Won', 1, 1],
      ['Closed Lost', 1, 0],
      ['Renewed', 1, 1],
      ['Churned', 1, 0],
    ])
  })

  it('Salesforce: every opportunity with its OpportunityHistory, owners named by the User query; a second sync reads nothing again', async () => {
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--source', 'salesforce', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ source: 'salesforce', deals: 3, owners: 2, stages: 6 })
    const snap = await snapshot(db)
    expect(snap.deals).toEqual([
      {
        deal_id: '006XX000004TmiQYAS',
        outcome: 'open',
        stage: 'Qualification',
        amount: 48000,
        closed_date: null,
        owner_email: 'ana.ruiz@example.com',
        region: 'Germany',
      },
      {
        deal_id: '006XX000004TmiRYAS',
        outcome: 'won',
        stage: 'Closed Won',
        amount: 12500.5,
        closed_date: '2024-05-01',
        owner_email: 'bo.chen@example.com',
        region: 'United States',
      },
      {
        deal_id: '006XX000004TmiSYAS',
        outcome: 'open',
        stage: 'Prospecting',
        amount: 0,
        closed_date: null,
        owner_email: 'ana.ruiz@example.com',
        region: 'Unknown',
      },
    ])
    expect(snap.history).toEqual([
      { deal_id: '006XX000004TmiQYAS', stage: 'Prospecting', entered_at: '2024-04-02T09:14:22.000Z', left_at: '2024-04-19T11:00:05.000Z' },
      { deal_id: '006XX000004TmiQYAS', stage: 'Qualification', entered_at: '2024-04-19T11:00:05.000Z', left_at: null },
      { deal_id: '006XX000004TmiRYAS', stage: 'Closed Won', entered_at: '2024-05-01T12:00:03.000Z', left_at: null },
    ])
    expect(snap.owners).toEqual([
      { owner_id: '005XX000001SvogYAC', email: 'ana.ruiz@example.com', name: 'Ana Ruiz' },
      { owner_id: '005XX000001SvohYAC', email: 'bo.chen@example.com', name: 'Bo Chen' },
    ])
    const again = await runCli('sync', '--source', 'salesforce', '--db', db, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ deals: 0, removed: 0 })
  })
})

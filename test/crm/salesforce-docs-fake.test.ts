import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { staysFromChanges } from '../../src/crm/stage-stays.js'
import { openStore } from '../../src/db/open-store.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'
import {
  type DocsSalesforceFake,
  docsOpportunities,
  type Routing,
  startDocsSalesforceFake,
  type UnknownObjectAnswer,
} from './docs-salesforce-fake.js'

// A Salesforce fake someone else could have written from the documented queries: `pulse sync`
// must store the same deals and stage history from it as from our own fake.
let fake: DocsSalesforceFake
beforeAll(async () => {
  fake = await startDocsSalesforceFake({ opportunities: [], history: [] })
  // The CLI reads its configuration once per process: one fake, its behaviour switched per test.
  process.env.HUBSPOT_TOKEN = ''
  process.env.SALESFORCE_URL = fake.url
  process.env.SALESFORCE_CLIENT_ID = fake.clientId
  process.env.SALESFORCE_CLIENT_SECRET = fake.clientSecret
})
afterAll(async () => {
  await fake.close()
})

async function snapshot(db: string) {
  const store = await openStore({ path: db })
  try {
    const deals = await store.db
      .selectFrom('deals')
      .select(['deal_id', 'outcome', 'stage', 'amount', 'owner_email', 'region'])
      .orderBy('deal_id')
      .execute()
    const history = await store.db
      .selectFrom('stage_history')
      .select(['deal_id', 'stage', 'entered_at', 'left_at'])
      .orderBy('deal_id')
      .orderBy('entered_at')
      .execute()
    return { deals, history }
  } finally {
    await store.close()
  }
}

function expected(data: ReturnType<typeof docsOpportunities>) {
  const live = data.opportunities.filter((o) => !o.IsDeleted)
  const iso = (s: string) => new Date(Date.parse(s.replace('+0000', 'Z'))).toISOString()
  return {
    deals: live.map((o) => ({
      deal_id: o.Id,
      outcome: o.IsWon ? 'won' : o.IsClosed ? 'lost' : 'open',
      stage: o.IsClosed && !o.IsWon ? 'Qualification' : o.StageName,
      amount: o.Amount ?? 0,
      owner_email: o.OwnerId === '005XX000001SvogYAC' ? 'ana.ruiz@example.com' : 'bo.chen@example.com',
      region: o.AccountId ? 'Germany' : 'Unknown',
    })),
    history: live.flatMap((o) =>
      staysFromChanges(
        o.Id,
        data.history.filter((h) => h.OpportunityId === o.Id).map((h) => ({ stage: h.StageName, at: iso(h.CreatedDate) })),
      ).map((s) => ({ deal_id: s.dealId, stage: s.stage, entered_at: s.enteredAt, left_at: s.leftAt })),
    ),
  }
}

const CASES: Array<[Routing, UnknownObjectAnswer]> = [
  ['first-from', 'empty'],
  ['first-from', 'error'],
  ['history-first', 'empty'],
  ['top-level', 'empty'],
]

describe('pulse sync against a Salesforce written from the documented queries', () => {
  it.each(CASES)(
    'routing by %s FROM, unknown objects answered %s: every opportunity with its stage history',
    async (routing, unknownObject) => {
      const data = docsOpportunities(5)
      fake.options = { ...data, routing, unknownObject }
      const db = join(tempDir(), 'pulse.db')
      const run = await runCli('sync', '--db', db, '--json')
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ source: 'salesforce', deals: 5, removed: 0, owners: 2 })
      expect(await snapshot(db)).toEqual(expected(data))

      // One opportunity deleted, one moved on: the next sync reads just those.
      const [changed, deleted] = [data.opportunities[1], data.opportunities[3]] as const
      const later = '2024-05-03T10:00:00.000+0000'
      Object.assign(changed ?? {}, { StageName: 'Closed Won', IsClosed: true, IsWon: true, SystemModstamp: later, LastModifiedDate: later })
      data.history.push({ OpportunityId: changed?.Id as string, StageName: 'Closed Won', CreatedDate: later })
      Object.assign(deleted ?? {}, { IsDeleted: true, SystemModstamp: later })
      const again = await runCli('sync', '--db', db, '--json')
      expect(again.code, again.stderr).toBe(0)
      expect(JSON.parse(again.stdout)).toMatchObject({ deals: 1, removed: 1 })
      expect(await snapshot(db)).toEqual(expected(data))
    },
  )

  it('a spent daily request limit stops at once, saying so; a passing one is waited out', async () => {
    const data = docsOpportunities(3)
    fake.options = { ...data }
    const spent = [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]
    fake.failNext({ path: /\/query\?/ }, { status: 403, body: spent, headers: { 'sforce-limit-info': 'api-usage=15000/15000' } })
    const db = join(tempDir(), 'pulse.db')
    const started = Date.now()
    const run = await runCli('sync', '--db', db)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain("the org's API request limit is used up (api-usage=15000/15000")
    expect(run.stderr).not.toContain(fake.clientSecret)
    expect(Date.now() - started).toBeLessThan(5000)

    fake.failNext({ path: /\/query\?/ }, { status: 403, body: spent, headers: { 'sforce-limit-info': 'api-usage=900/15000' } })
    const again = await runCli('sync', '--db', db, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ deals: 3 })
  })

  it('a server that knows only the documented Opportunity fields: owners get their names from the User query', async () => {
    const data = docsOpportunities(4)
    fake.options = { ...data, strictFields: true, routing: 'top-level' }
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ deals: 4 })
    const store = await openStore({ path: db })
    try {
      const owners = await store.db.selectFrom('owners').select(['owner_id', 'email', 'name']).orderBy('owner_id').execute()
      expect(owners).toEqual([
        { owner_id: '005XX000001SvogYAC', email: 'ana.ruiz@example.com', name: 'Ana Ruiz' },
        { owner_id: '005XX000001SvohYAC', email: 'bo.chen@example.com', name: 'Bo Chen' },
      ])
    } finally {
      await store.close()
    }
  })

  it('an email changed in Salesforce reaches the owner and their stored deals on the next sync, though no opportunity changed', async () => {
    const data = docsOpportunities(4)
    const users = {
      '005XX000001SvogYAC': { Email: 'ana.ruiz@example.com', Name: 'Ana Ruiz' },
      '005XX000001SvohYAC': { Email: 'bo.chen@example.com', Name: 'Bo Chen' },
    }
    // An email typed with spaces around it in Salesforce is stored trimmed (DMs look it up as it is stored).
    fake.options = { ...data, users: { ...users, '005XX000001SvohYAC': { Email: ' Bo.Chen@example.com ', Name: 'Bo Chen' } } }
    const db = join(tempDir(), 'pulse.db')
    const first = await runCli('sync', '--db', db, '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(new Set((await snapshot(db)).deals.map((d) => d.owner_email))).toEqual(new Set(['ana.ruiz@example.com', 'bo.chen@example.com']))
    fake.options = { ...data, users }

    // The company moved to a new mail domain: the User record changes, the opportunities do not.
    fake.options = { ...data, users: { ...users, '005XX000001SvogYAC': { Email: 'Ana.Ruiz@Acme.io', Name: 'Ana Ruiz' } } }
    // A sync within the day does not ask about owners it stored that day.
    const soon = await runCli('sync', '--db', db, '--json')
    expect(soon.code, soon.stderr).toBe(0)
    expect((await snapshot(db)).deals.every((d) => d.owner_email !== 'ana.ruiz@acme.io')).toBe(true)
    // A day later it does.
    const aged = await openStore({ path: db })
    try {
      await aged.db
        .updateTable('owners')
        .set({ updated_at: new Date(Date.now() - 25 * 3600_000).toISOString() })
        .execute()
    } finally {
      await aged.close()
    }
    const again = await runCli('sync', '--db', db, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ deals: 0 })
    const { deals } = await snapshot(db)
    expect(deals.map((d) => [d.deal_id, d.owner_email])).toEqual(
      data.opportunities.map((o) => [o.Id, o.OwnerId === '005XX000001SvogYAC' ? 'ana.ruiz@acme.io' : 'bo.chen@example.com']),
    )
    const store = await openStore({ path: db })
    try {
      const owners = await store.db.selectFrom('owners').select(['owner_id', 'email']).orderBy('owner_id').execute()
      expect(owners).toEqual([
        { owner_id: '005XX000001SvogYAC', email: 'ana.ruiz@acme.io' },
        { owner_id: '005XX000001SvohYAC', email: 'bo.chen@example.com' },
      ])
      // A day later still, the User query returns Bo without an email: his deals no longer carry
      // the old one (no DM to an address Salesforce no longer gives); Ana keeps hers.
      fake.options = {
        ...data,
        users: {
          '005XX000001SvogYAC': { Email: 'Ana.Ruiz@Acme.io', Name: 'Ana Ruiz' },
          '005XX000001SvohYAC': { Email: null, Name: 'Bo Chen' },
        },
      }
      await store.db
        .updateTable('owners')
        .set({ updated_at: new Date(Date.now() - 25 * 3600_000).toISOString() })
        .execute()
    } finally {
      await store.close()
    }
    const dropped = await runCli('sync', '--db', db, '--json')
    expect(dropped.code, dropped.stderr).toBe(0)
    expect((await snapshot(db)).deals.map((d) => [d.deal_id, d.owner_email])).toEqual(
      data.opportunities.map((o) => [o.Id, o.OwnerId === '005XX000001SvogYAC' ? 'ana.ruiz@acme.io' : null]),
    )
  })

  it('a server that knows only the documented `SystemModstamp > <watermark>` filter: changes and deletions arrive on the next sync', async () => {
    const data = docsOpportunities(6)
    fake.options = { ...data, documentedFilterOnly: true }
    const db = join(tempDir(), 'pulse.db')
    const first = await runCli('sync', '--db', db, '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ deals: 6 })

    const [changed, deleted] = [data.opportunities[2], data.opportunities[4]] as const
    const later = '2024-05-03T10:00:00.000+0000'
    Object.assign(changed ?? {}, { Name: 'Renamed', SystemModstamp: later, LastModifiedDate: later })
    Object.assign(deleted ?? {}, { IsDeleted: true, SystemModstamp: later })
    const before = fake.queries.length
    const again = await runCli('sync', '--db', db, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ deals: 1, removed: 1 })
    expect(await snapshot(db)).toEqual(expected(data))
    // From the second of the opportunity stored last (08:00:05), which is read again and skipped.
    const sent = fake.queries.slice(before).filter((q) => q.includes('WHERE SystemModstamp'))
    expect(sent.length).toBeGreaterThan(0)
    expect(sent.every((q) => q.includes('WHERE SystemModstamp > 2024-05-01T08:00:04Z '))).toBe(true)
  })

  it('a session that expires mid-sync is renewed once and the sync carries on', async () => {
    const data = docsOpportunities(9)
    fake.options = { ...data, routing: 'top-level' }
    let pages = 0
    fake.onRequest = (_m, path) => {
      if (/\/query\/0r8/.test(path) && ++pages === 2) fake.expireSessions()
    }
    const db = join(tempDir(), 'pulse.db')
    try {
      const run = await runCli('sync', '--db', db, '--json')
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ deals: 9 })
      expect(await snapshot(db)).toEqual(expected(data))
    } finally {
      fake.onRequest = undefined
    }
  })

  it('a refusal that is not about the session or the limit stops with what Salesforce said and what to check', async () => {
    fake.options = { ...docsOpportunities(2) }
    fake.failNext(
      { path: /\/query\?/ },
      { status: 403, body: [{ message: 'The REST API is not enabled for this Organization.', errorCode: 'API_DISABLED_FOR_ORG' }] },
    )
    const run = await runCli('sync', '--db', join(tempDir(), 'pulse.db'))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('API_DISABLED_FOR_ORG The REST API is not enabled for this Organization.')
    expect(run.stderr).toContain('Run As user of the connected app behind SALESFORCE_CLIENT_ID needs API access')
  })

  it('a token answer copied from the reference (instance_url https://acme.my.salesforce.com): queries still go to SALESFORCE_URL', async () => {
    const data = docsOpportunities(3)
    fake.options = { ...data, instanceUrl: 'https://acme.my.salesforce.com' }
    const run = await runCli('sync', '--db', join(tempDir(), 'pulse.db'), '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ deals: 3 })
  })

  it('a server without queryAll: the opportunities are stored and the sync succeeds', async () => {
    const data = docsOpportunities(3)
    fake.options = { ...data }
    fake.failNext(
      { path: /\/queryAll/ },
      { status: 404, body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }] },
    )
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ deals: 3, removed: 0 })
    expect(await snapshot(db)).toEqual(expected(data))
  })

  it('a server that does not know OpportunityStage: a lost opportunity still keeps its last open stage', async () => {
    const data = docsOpportunities(2)
    fake.options = { ...data }
    fake.failNext({ path: /FROM(%20|\+)OpportunityStage/ }, { status: 200, body: { totalSize: 0, done: true, records: [] } })
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect((await snapshot(db)).deals.map((d) => [d.outcome, d.stage])).toEqual([
      ['won', 'Closed Won'],
      ['lost', 'Qualification'],
    ])
  })

  it('an expired query cursor stops with a message saying so; the rerun completes without duplicates', async () => {
    const data = docsOpportunities(6)
    // Only the opportunities come in pages of 2: the failing third page is theirs.
    fake.options = { ...data, routing: 'top-level', pageSize: 100, opportunityPageSize: 2 }
    fake.failNext(
      { path: /\/query\/0r8\w+-4$/ },
      { status: 400, body: [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }] },
    )
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      "Salesforce's query cursor expired before the sync read all of it (INVALID_QUERY_LOCATOR invalid query locator)",
    )
    const again = await runCli('sync', '--db', db, '--json')
    expect(again.code, again.stderr).toBe(0)
    // The four opportunities stored before the failure are not read again.
    expect(JSON.parse(again.stdout).deals).toBe(2)
    expect(await snapshot(db)).toEqual(expected(data))
  })

  it('history read by its own query for a page of 700 opportunities: every chunk of ids, a few queries at a time', async () => {
    const data = docsOpportunities(700)
    fake.options = { ...data, routing: 'top-level', pageSize: 2000 }
    const db = join(tempDir(), 'pulse.db')
    const before = fake.queries.length
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ deals: 700 })
    expect(await snapshot(db)).toEqual(expected(data))
    expect(fake.queries.slice(before).filter((q) => q.includes('FROM OpportunityHistory WHERE')).length).toBe(5)
  })
})

import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SALESFORCE_API_VERSION } from '../../src/crm/salesforce/salesforce-api.js'
import { openStore } from '../../src/db/open-store.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'
import {
  type DocsOpportunity,
  type DocsSalesforceFake,
  docsOpportunities,
  sfTime,
  startDocsSalesforceFake,
} from './docs-salesforce-fake.js'

// Edge cases of real Salesforce orgs, served by the docs-style fake and driven through `pulse sync`.
let fake: DocsSalesforceFake
beforeAll(async () => {
  fake = await startDocsSalesforceFake({ opportunities: [], history: [] })
  process.env.HUBSPOT_TOKEN = ''
  process.env.SALESFORCE_URL = fake.url
  process.env.SALESFORCE_CLIENT_ID = fake.clientId
  process.env.SALESFORCE_CLIENT_SECRET = fake.clientSecret
})
afterAll(async () => {
  await fake.close()
})

async function deals(db: string) {
  const store = await openStore({ path: db })
  try {
    return await store.db
      .selectFrom('deals')
      .select(['deal_id', 'outcome', 'stage', 'amount', 'amount_band', 'closed_date', 'owner_email', 'last_activity_date'])
      .orderBy('deal_id')
      .execute()
  } finally {
    await store.close()
  }
}

const SUMMARY_KEYS = ['deals', 'mode', 'owners', 'pages', 'rejected', 'removed', 'runId', 'seconds', 'source', 'stages']

describe('Salesforce sync edge cases', () => {
  it('future CloseDate on open deals, null Amount and LastActivityDate, queue and inactive owners, flags against StageName, unknown history stages', async () => {
    const data = docsOpportunities(6)
    const [inactive, legacy, open, flagged, queue, retired] = data.opportunities as [
      DocsOpportunity,
      DocsOpportunity,
      DocsOpportunity,
      DocsOpportunity,
      DocsOpportunity,
      DocsOpportunity,
    ]
    // Lost in a stage OpportunityStage no longer lists: that stage is where it closed.
    Object.assign(retired, { StageName: 'Retired Lost', IsClosed: true, IsWon: false })
    data.history.push({ OpportunityId: retired.Id, StageName: 'Retired Lost', CreatedDate: sfTime(Date.UTC(2024, 4, 1, 7)) })
    Object.assign(open, { StageName: 'Qualification', IsClosed: false, IsWon: false, CloseDate: '2099-12-31', Amount: null })
    Object.assign(inactive, { OwnerId: '005XX000009InactAAA' })
    data.history.push({ OpportunityId: legacy.Id, StageName: 'Legacy Review', CreatedDate: sfTime(Date.UTC(2024, 3, 25)) })
    // Flags win over the stage name (Salesforce derives them from the stage; the flags are what it reports on).
    Object.assign(flagged, { StageName: 'Qualification', IsClosed: true, IsWon: false })
    data.history = data.history.filter((h) => h.OpportunityId !== flagged.Id || h.StageName !== 'Closed Won')
    Object.assign(queue, { OwnerId: '00GXX000000QueueAAA' })
    fake.options = {
      ...data,
      users: {
        '005XX000001SvogYAC': { Email: 'ana.ruiz@example.com', Name: 'Ana Ruiz' },
        '005XX000001SvohYAC': { Email: 'bo.chen@example.com', Name: 'Bo Chen' },
        '005XX000009InactAAA': { Email: 'Gone.Rep@Example.com', Name: 'Gone Rep', IsActive: false },
      },
    }
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    const summary = JSON.parse(run.stdout)
    // The deal lost in a stage the pipeline does not list is placed by no report: the summary says so.
    expect(Object.keys(summary).sort()).toEqual([...SUMMARY_KEYS, 'lostAtClosedStage', 'notes'].sort())
    expect(summary).toMatchObject({ source: 'salesforce', mode: 'incremental', deals: 6, removed: 0, rejected: 0 })
    expect(summary.lostAtClosedStage).toEqual([{ stage: 'Legacy Review', deals: 1 }])
    const byId = Object.fromEntries((await deals(db)).map((d) => [d.deal_id, d]))
    // No Amount: stored as 0, in a band of its own rather than with the deals under $10k.
    expect(byId[open.Id]).toMatchObject({ outcome: 'open', closed_date: null, amount: 0, amount_band: 'Unknown', last_activity_date: null })
    expect(byId[inactive.Id]?.owner_email).toBe('gone.rep@example.com')
    expect(byId[legacy.Id]).toMatchObject({ outcome: 'lost', stage: 'Legacy Review' })
    // Lost while its stage is an open one: lost at that stage, not the one before.
    expect(byId[flagged.Id]).toMatchObject({ outcome: 'lost', stage: 'Qualification' })
    expect(byId[queue.Id]).toMatchObject({ owner_email: null })
    expect(byId[retired.Id]).toMatchObject({ outcome: 'lost', stage: 'Qualification' })
  })

  it('inactive stages stay out of the stage order and the funnel, but keep their closed flag', async () => {
    const data = docsOpportunities(6)
    const lost = data.opportunities[1] as DocsOpportunity
    // Lost in a closed stage since retired: lost at the last open stage of its history.
    Object.assign(lost, { StageName: 'Closed Merged', IsClosed: true, IsWon: false })
    data.history = data.history.filter((h) => h.OpportunityId !== lost.Id || h.StageName !== 'Closed Lost')
    data.history.push({ OpportunityId: lost.Id, StageName: 'Closed Merged', CreatedDate: lost.SystemModstamp })
    fake.options = {
      ...data,
      stages: [
        ['Prospecting', 1, false, false, true],
        ['Perception Analysis', 2, false, false, false],
        ['Qualification', 3, false, false, true],
        ['Closed Won', 9, true, true, true],
        ['Closed Merged', 10, true, false, false],
        ['Closed Lost', 11, true, false, true],
      ],
    }
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ deals: 6, stages: 4 })
    const store = await openStore({ path: db })
    try {
      const stages = await store.db.selectFrom('stages').select('name').orderBy('position').execute()
      expect(stages.map((s) => s.name)).toEqual(['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost'])
    } finally {
      await store.close()
    }
    expect((await deals(db)).find((d) => d.deal_id === lost.Id)).toMatchObject({ outcome: 'lost', stage: 'Qualification' })
    const funnel = JSON.parse((await runCli('report', 'funnel', '--db', db, '--json', '--as-of', '2024-05-20')).stdout)
    expect(funnel.stages.map((s: { stage: string }) => s.stage)).toEqual(['Prospecting', 'Qualification', 'Closed Won'])
    fake.options = { ...fake.options, stages: undefined }
  })

  it('a stage renamed in Salesforce, its opportunities rewritten without a new SystemModstamp: the next sync stores them under the new name', async () => {
    const data = docsOpportunities(6)
    fake.options = { ...data }
    const db = join(tempDir(), 'pulse.db')
    expect((await runCli('sync', '--db', db)).code).toBe(0)
    const before = await deals(db)
    const renamed = before.filter((d) => d.stage === 'Qualification').map((d) => d.deal_id)
    expect(renamed.length).toBeGreaterThan(0)
    // The picklist value is renamed (its OpportunityStage Id stays); its records follow, their SystemModstamp does not move.
    const rename = <T extends { StageName: string }>(r: T): T => (r.StageName === 'Qualification' ? { ...r, StageName: 'Qualified' } : r)
    fake.options = {
      ...data,
      opportunities: data.opportunities.map(rename),
      history: data.history.map(rename),
      stages: [
        ['Prospecting', 1, false, false, true],
        ['Qualified', 2, false, false, true],
        ['Closed Won', 9, true, true, true],
        ['Closed Lost', 10, true, false, true],
      ],
    }
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('Salesforce stages changed since the last sync ("Qualification" is now "Qualified")')
    const after = await deals(db)
    expect(after.filter((d) => d.stage === 'Qualified').map((d) => d.deal_id)).toEqual(renamed)
    expect(after.some((d) => d.stage === 'Qualification')).toBe(false)
    // Stored under the new names, the next sync is incremental again: nothing to read.
    expect(JSON.parse((await runCli('sync', '--db', db, '--json')).stdout)).toMatchObject({ deals: 0 })
    fake.options = { ...fake.options, stages: undefined }
  })

  it('a stage renamed in Salesforce while its opportunities come without history rows: their stays keep their dates under the new name', async () => {
    const data = docsOpportunities(6)
    fake.options = { ...data }
    const db = join(tempDir(), 'pulse.db')
    expect((await runCli('sync', '--db', db)).code).toBe(0)
    const stays = async () => {
      const store = await openStore({ path: db })
      try {
        const rows = await store.db
          .selectFrom('stage_history')
          .select(['deal_id', 'stage', 'entered_at', 'left_at'])
          .orderBy('deal_id')
          .orderBy('entered_at')
          .execute()
        return rows.map((r) => `${r.deal_id} ${r.stage} ${r.entered_at.slice(0, 10)}-${r.left_at?.slice(0, 10) ?? ''}`)
      } finally {
        await store.close()
      }
    }
    const before = await stays()
    const inQualification = new Set((await deals(db)).filter((d) => d.stage === 'Qualification').map((d) => d.deal_id))
    expect(inQualification.size).toBeGreaterThan(0)
    // The picklist value is renamed (its OpportunityStage Id stays), and the Run As user no longer sees those history rows.
    const rename = <T extends { StageName: string }>(r: T): T => (r.StageName === 'Qualification' ? { ...r, StageName: 'Qualified' } : r)
    fake.options = {
      ...data,
      opportunities: data.opportunities.map(rename),
      history: data.history.filter((h) => !inQualification.has(h.OpportunityId)).map(rename),
      stages: [
        ['Prospecting', 1, false, false, true],
        ['Qualified', 2, false, false, true],
        ['Closed Won', 9, true, true, true],
        ['Closed Lost', 10, true, false, true],
      ],
    }
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(await stays()).toEqual(before.map((s) => s.replace(' Qualification ', ' Qualified ')))
    fake.options = { ...fake.options, stages: undefined }
  })

  it('a --full sync after incremental ones removes what the CRM no longer has; status and report follow at once', async () => {
    const data = docsOpportunities(6)
    fake.options = { ...data }
    const db = join(tempDir(), 'pulse.db')
    expect((await runCli('sync', '--db', db)).code).toBe(0)
    const report = async () => {
      const r = await runCli('report', 'summary', '--db', db, '--json', '--as-of', '2024-05-20')
      expect(r.code, r.stderr).toBe(0)
      return r.stdout
    }
    const before = await report()

    // Between syncs: one opportunity moves on, one is deleted (in the recycle bin), one purged for good.
    const later = sfTime(Date.UTC(2024, 4, 3, 10))
    const [moved, deleted, purged] = [data.opportunities[2], data.opportunities[3], data.opportunities[4]] as DocsOpportunity[]
    Object.assign(moved as DocsOpportunity, {
      StageName: 'Closed Won',
      IsClosed: true,
      IsWon: true,
      SystemModstamp: later,
      LastModifiedDate: later,
    })
    data.history.push({ OpportunityId: (moved as DocsOpportunity).Id, StageName: 'Closed Won', CreatedDate: later })
    Object.assign(deleted as DocsOpportunity, { IsDeleted: true, SystemModstamp: later })
    fake.options = { ...data, opportunities: data.opportunities.filter((o) => o !== purged) }
    const inc = JSON.parse((await runCli('sync', '--db', db, '--json')).stdout)
    expect(inc).toMatchObject({ mode: 'incremental', deals: 1, removed: 1 })
    expect((await deals(db)).map((d) => d.deal_id)).toContain((purged as DocsOpportunity).Id)

    const full = await runCli('sync', '--db', db, '--json', '--full')
    expect(full.code, full.stderr).toBe(0)
    expect(full.stderr).toContain('Report summaries rebuilt.')
    const parsed = JSON.parse(full.stdout)
    expect(Object.keys(parsed).sort()).toEqual(SUMMARY_KEYS)
    // The deleted one went with the incremental sync; the purged one (never listed as deleted) goes now.
    expect(parsed).toMatchObject({ mode: 'full', deals: 4, removed: 1 })
    const ids = (await deals(db)).map((d) => d.deal_id)
    expect(ids).toHaveLength(4)
    expect(ids).not.toContain((purged as DocsOpportunity).Id)
    expect(ids).not.toContain((deleted as DocsOpportunity).Id)

    const status = JSON.parse((await runCli('status', '--db', db, '--json')).stdout)
    expect(status.deals.total).toBe(4)
    expect(status.lastSyncs[0]).toMatchObject({ source: 'salesforce', status: 'done', mode: 'full', deals: 4 })
    const after = await report()
    expect(after).not.toEqual(before)
    // The report after the sync is the one a fresh rebuild gives.
    const store = await openStore({ path: db })
    try {
      const { refreshAnalyticsRollup } = await import('../../src/db/refresh-analytics-rollup.js')
      await refreshAnalyticsRollup(store)
    } finally {
      await store.close()
    }
    expect(await report()).toEqual(after)
  })

  it('a sync that fails after storing some pages: the report already counts what was stored', async () => {
    const data = docsOpportunities(6)
    // Two opportunities a page; everything else fits one page, so only the opportunity cursor has a page at offset 2.
    fake.options = { ...data, pageSize: 50, opportunityPageSize: 2 }
    const db = join(tempDir(), 'pulse.db')
    expect((await runCli('sync', '--db', db)).code).toBe(0)
    const report = async () => (await runCli('report', 'summary', '--db', db, '--json', '--as-of', '2024-05-20')).stdout

    // Every open or lost opportunity is won now; the second page of the changes is refused.
    const later = sfTime(Date.UTC(2024, 4, 3, 10))
    for (const o of data.opportunities) Object.assign(o, { StageName: 'Closed Won', IsClosed: true, IsWon: true, SystemModstamp: later })
    fake.failNext({ path: /\/query\/0r8XX\d+-2$/ }, { status: 400, body: [{ message: 'malformed', errorCode: 'MALFORMED_QUERY' }] })
    try {
      const failed = await runCli('sync', '--db', db)
      expect(failed.code).not.toBe(0)
    } finally {
      fake.clearFailures()
    }
    expect((await deals(db)).filter((d) => d.outcome === 'won').length).toBeGreaterThan(2)
    const stale = await report()
    const store = await openStore({ path: db })
    try {
      const { refreshAnalyticsRollup } = await import('../../src/db/refresh-analytics-rollup.js')
      await refreshAnalyticsRollup(store)
    } finally {
      await store.close()
    }
    expect(stale).toEqual(await report())
  })

  it('a page that names itself as the next page: the sync stops, saying so, instead of paging for ever', async () => {
    const data = docsOpportunities(6)
    fake.options = { ...data, pageSize: 50, opportunityPageSize: 2 }
    const db = join(tempDir(), 'pulse.db')
    // The opportunity cursor's second page says it is not done and names itself as the next page, for as long as it is asked.
    const loop = `/services/data/${SALESFORCE_API_VERSION}/query/0r8XX999-2`
    fake.failNext(
      { path: /\/query\/0r8XX\d+-2$/ },
      { status: 200, body: `{"totalSize":6,"done":false,"nextRecordsUrl":"${loop}","records":[]}` },
      Number.POSITIVE_INFINITY,
    )
    const before = fake.requests.length
    try {
      const run = await runCli('sync', '--db', db)
      expect(run.code).not.toBe(0)
      expect(run.stderr).toContain('with a page that names itself as the next page')
      expect(run.stderr).toContain('its paging would never end')
      // The page before the loop was asked for once, and the looping page twice: no more.
      expect(fake.requests.slice(before).filter((r) => r.path.endsWith('-2')).length).toBe(2)
    } finally {
      fake.clearFailures()
    }
    // The first page's opportunities were stored before the loop was met.
    expect((await deals(db)).length).toBe(2)
  })

  it('paging that loops over several pages (A -> B -> A): the sync stops naming the query, keeps the pages read, and the rerun resumes', async () => {
    const data = docsOpportunities(8)
    fake.options = { ...data, pageSize: 50, opportunityPageSize: 2 }
    const db = join(tempDir(), 'pulse.db')
    // The opportunity cursor's third page leads on to two pages that name each other, for as long as they are asked.
    const page = (next: string) => ({
      status: 200,
      body: `{"totalSize":8,"done":false,"nextRecordsUrl":"/services/data/${SALESFORCE_API_VERSION}/query/${next}","records":[]}`,
    })
    fake.failNext({ path: /\/query\/0r8XX\d+-4$/ }, page('0r8XX999-6'), Number.POSITIVE_INFINITY)
    fake.failNext({ path: /\/query\/0r8XX999-6$/ }, page('0r8XX999-4'), Number.POSITIVE_INFINITY)
    const before = fake.requests.length
    try {
      const run = await runCli('sync', '--db', db)
      expect(run.code).not.toBe(0)
      expect(run.stderr).toContain('paging of the Opportunity query came back to a page it had already sent')
      expect(run.stderr).toContain('The deals stored so far are kept; the next sync resumes from there')
      // Each page of the loop was asked for once: the repeat is caught before it is sent.
      const asked = fake.requests.slice(before).map((r) => r.path)
      expect(asked.filter((p) => p.endsWith('/0r8XX999-6')).length).toBe(1)
      expect(asked.filter((p) => p.endsWith('/0r8XX999-4')).length).toBe(1)
    } finally {
      fake.clearFailures()
    }
    // The two pages read before the loop are stored, and the rerun reads only the rest.
    expect((await deals(db)).length).toBe(4)
    const rerun = await runCli('sync', '--db', db, '--json')
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(JSON.parse(rerun.stdout)).toMatchObject({ deals: 4 })
    expect((await deals(db)).map((d) => d.deal_id)).toEqual(data.opportunities.map((o) => o.Id).sort())
  })

  it('a server that ignores ORDER BY SystemModstamp, and a sync that fails part-way: the rerun still stores every opportunity', async () => {
    const data = docsOpportunities(8)
    // Newest first, whatever the query asks; two opportunities a page.
    fake.options = { ...data, opportunities: [...data.opportunities].reverse(), applyOrder: false, pageSize: 50, opportunityPageSize: 2 }
    const db = join(tempDir(), 'pulse.db')
    fake.failNext({ path: /\/query\/0r8XX\d+-4$/ }, { status: 400, body: [{ message: 'malformed', errorCode: 'MALFORMED_QUERY' }] })
    try {
      const failed = await runCli('sync', '--db', db)
      expect(failed.code).not.toBe(0)
      expect(failed.stderr).toContain('out of SystemModstamp order')
    } finally {
      fake.clearFailures()
    }
    expect((await deals(db)).length).toBe(4)
    const rerun = await runCli('sync', '--db', db, '--json')
    expect(rerun.code, rerun.stderr).toBe(0)
    expect((await deals(db)).map((d) => d.deal_id)).toEqual(data.opportunities.map((o) => o.Id).sort())
    // The last page moved the watermark to the newest stamp: nothing is read again.
    expect(JSON.parse((await runCli('sync', '--db', db, '--json')).stdout)).toMatchObject({ deals: 0 })
  })

  it('opportunities sharing the watermark SystemModstamp across two syncs: none missed, none counted twice', async () => {
    const data = docsOpportunities(5)
    const stamp = sfTime(Date.UTC(2024, 4, 2, 9))
    for (const o of data.opportunities) Object.assign(o, { SystemModstamp: stamp, LastModifiedDate: stamp })
    const [late1, late2] = data.opportunities.splice(3, 2) as [DocsOpportunity, DocsOpportunity]
    fake.options = { ...data }
    const db = join(tempDir(), 'pulse.db')
    const sync = async () => {
      const r = await runCli('sync', '--db', db, '--json')
      expect(r.code, r.stderr).toBe(0)
      return JSON.parse(r.stdout)
    }
    expect(await sync()).toMatchObject({ deals: 3 })
    // Two more show up at exactly the stored stamp (committed late), and one of the first moves on.
    data.opportunities.push(late1, late2)
    const later = sfTime(Date.UTC(2024, 4, 2, 10))
    Object.assign(data.opportunities[0] as DocsOpportunity, { Amount: 9000, SystemModstamp: later, LastModifiedDate: later })
    expect(await sync()).toMatchObject({ deals: 3 })
    expect(await sync()).toMatchObject({ deals: 0 })
    const stored = await deals(db)
    expect(stored).toHaveLength(5)
    expect(stored.find((d) => d.deal_id === data.opportunities[0]?.Id)?.amount).toBe(9000)
  })
})

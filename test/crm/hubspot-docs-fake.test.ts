import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SegmentMapping } from '../../src/config.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { openStore } from '../../src/db/open-store.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { createLogger } from '../../src/log/create-logger.js'
import { runCli } from '../helpers/run-cli.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'
import { type DocsHubspotFake, docsDeals, startDocsHubspotFake } from './docs-hubspot-fake.js'

// A HubSpot fake someone else could have written from the documented wire formats: it must sync
// as completely as our own fake does.
const SEGMENTS: SegmentMapping = { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' }

let fake: DocsHubspotFake
beforeAll(async () => {
  fake = await startDocsHubspotFake({ deals: [] })
  // The CLI reads its configuration once per process: one fake, its behaviour switched per test.
  process.env.HUBSPOT_TOKEN = fake.token
  process.env.HUBSPOT_API_URL = fake.url
  process.env.SALESFORCE_URL = ''
})
afterAll(async () => {
  await fake.close()
})

async function dealIds(db: string): Promise<string[]> {
  const store = await openStore({ path: db })
  try {
    return (await store.db.selectFrom('deals').select('deal_id').orderBy('deal_id').execute()).map((r) => r.deal_id)
  } finally {
    await store.close()
  }
}

const sourceOptions = () => ({
  token: fake.token,
  baseUrl: fake.url,
  segments: SEGMENTS,
  clock: virtualClock(Date.UTC(2024, 5, 1)),
  limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
  backoffBaseMs: 1,
})
const source = () => createHubspotSource(sourceOptions())

describe('pulse sync against a HubSpot written from the documented formats', () => {
  it('reads null where HubSpot may leave a field out (paging, archivedAt, url, emails and names)', async () => {
    const deals = docsDeals(5)
    fake.options = { deals, lastPaging: 'null', archived: [] }
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.stderr).not.toContain('cannot read')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ source: 'hubspot', deals: 5, owners: 2 })
    expect(await dealIds(db)).toEqual(deals.map((d) => d.id))
  })

  it('a server that ignores the search filters and pages 2 at a time with opaque cursors: every deal once', async () => {
    const deals = docsDeals(7)
    fake.options = { deals, applyFilters: false, pageSize: 2, archived: [deals[6]?.id as string, '18234560000'] }
    const db = join(tempDir(), 'pulse.db')
    const first = await runCli('sync', '--db', db, '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ deals: 6, removed: 0 })
    expect(await dealIds(db)).toEqual(deals.slice(0, 6).map((d) => d.id))
    // Nothing changed: nothing is read again.
    const again = await runCli('sync', '--db', db, '--json')
    expect(JSON.parse(again.stdout)).toMatchObject({ deals: 0 })
    // A new deal, modified last, is picked up.
    const added = docsDeals(1, { first: Date.UTC(2024, 4, 2), firstId: 18_234_568_000 })
    fake.options = { ...fake.options, deals: [...deals, ...added] }
    const third = await runCli('sync', '--db', db, '--json')
    expect(JSON.parse(third.stdout)).toMatchObject({ deals: 1 })
    expect(await dealIds(db)).toContain('18234568000')
  })

  it('a search whose paging loops back (a server read through its own cursor): the sync stops saying so, and the rerun stores every deal', async () => {
    const deals = docsDeals(10)
    const times = deals.map((d) => d.properties.hs_lastmodifieddate)
    // Modified in reverse id order, which the server answers in: the search is read through its cursor.
    deals.forEach((d, i) => {
      d.properties.hs_lastmodifieddate = times[9 - i] as string
    })
    // The page at offset 6 names offset 2 as the next one: 2, 4, 6, 2, ... for ever.
    fake.options = { deals, applySorts: false, pageSize: 2, rewind: { at: 6, to: 2 } }
    const db = join(tempDir(), 'pulse.db')
    const before = fake.searches.length
    const looped = await runCli('sync', '--db', db)
    expect(looped.code).not.toBe(0)
    expect(looped.stderr).toContain("HubSpot's paging of the deals search came back to a cursor it had already sent")
    expect(looped.stderr).toContain('The deals stored so far are kept; the next sync resumes from there.')
    // Offsets 0, 2, 4 and 6 asked for once each, and the loop not followed.
    expect(fake.searches.length - before).toBe(4)
    // The deals of the pages read are stored; the last two were never read, and are read by the next sync.
    expect((await dealIds(db)).length).toBe(8)
    fake.options = { deals, applySorts: false, pageSize: 2 }
    const rerun = await runCli('sync', '--db', db, '--json')
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(await dealIds(db)).toEqual(deals.map((d) => d.id).sort())
  })

  it('a server that ignores the sort and answers in id order, while deals were modified in another order: every deal once', async () => {
    const deals = docsDeals(20)
    const times = deals.map((d) => d.properties.hs_lastmodifieddate)
    // Modification order unrelated to id order: a search from the last timestamp seen would skip deals.
    deals.forEach((d, i) => {
      d.properties.hs_lastmodifieddate = times[(i * 7) % 20] as string
    })
    fake.options = { deals, applySorts: false, pageSize: 5 }
    const db = join(tempDir(), 'pulse.db')
    const first = await runCli('sync', '--db', db, '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ deals: 20 })
    expect(await dealIds(db)).toEqual(deals.map((d) => d.id))
    // Nothing changed: nothing is read again.
    const again = await runCli('sync', '--db', db, '--json')
    expect(JSON.parse(again.stdout)).toMatchObject({ deals: 0 })
    // A deal listed first but modified last is picked up.
    const touched = deals[0] as (typeof deals)[number]
    touched.properties.hs_lastmodifieddate = new Date(Date.UTC(2024, 4, 2)).toISOString()
    touched.properties.amount = '4242'
    const third = await runCli('sync', '--db', db, '--json')
    expect(JSON.parse(third.stdout)).toMatchObject({ deals: 1 })
  })

  it('a server that ignores the sort, with a first page that happens to be in order: the sync starts over and keeps every deal', async () => {
    const deals = docsDeals(20)
    const times = deals.map((d) => d.properties.hs_lastmodifieddate)
    // The first page (5 deals) is in order; the deals modified after its last one come in another order.
    const rank = [0, 5, 10, 15, 16, 19, 1, 17, 2, 18, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14]
    deals.forEach((d, i) => {
      d.properties.hs_lastmodifieddate = times[rank[i] as number] as string
    })
    fake.options = { deals, applySorts: false, pageSize: 5 }
    const db = join(tempDir(), 'pulse.db')
    const first = await runCli('sync', '--db', db, '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(await dealIds(db)).toEqual(deals.map((d) => d.id))
    const again = await runCli('sync', '--db', db, '--json')
    expect(JSON.parse(again.stdout)).toMatchObject({ deals: 0 })
  })

  it('a server with smaller pages than asked for, and more deals in one millisecond than one of its pages', async () => {
    const deals = docsDeals(600, { stepMs: 7 })
    const tie = deals[200]?.properties.hs_lastmodifieddate as string
    for (const d of deals.slice(200, 450)) d.properties.hs_lastmodifieddate = tie
    fake.options = { deals, pageSize: 100 }
    const store = await openTestStore()
    try {
      const summary = await syncCrm(store, source())
      expect(summary.deals).toBe(600)
      const n = await store.db.selectFrom('deals').select('deal_id').execute()
      expect(n.length).toBe(600)
    } finally {
      await store.close()
    }
  })

  it('more deals in one millisecond than a page, from a server ignoring the sort or the filters: every deal and change read', async () => {
    for (const ignored of [{ applySorts: false }, { applyFilters: false }]) {
      // 20 deals in one millisecond, listed in an order that is not their ids', then others after.
      const deals = [...docsDeals(20, { stepMs: 0 }), ...docsDeals(10, { first: Date.UTC(2024, 4, 2), firstId: 18_300_000_000 })]
      deals.sort((a, b) => (Number(a.id.slice(-2)) % 7) - (Number(b.id.slice(-2)) % 7) || (a.id < b.id ? 1 : -1))
      fake.options = { deals, pageSize: 3, ...ignored }
      const store = await openTestStore()
      try {
        const small = () =>
          createHubspotSource({
            token: fake.token,
            baseUrl: fake.url,
            segments: SEGMENTS,
            clock: virtualClock(Date.UTC(2024, 5, 1)),
            limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
            pageSize: 3,
          })
        const amounts = async () =>
          (await store.db.selectFrom('deals').select(['deal_id', 'amount']).orderBy('deal_id').execute()).map((r) => [r.deal_id, r.amount])
        const want = () =>
          [...deals].sort((a, b) => (a.id < b.id ? -1 : 1)).map((d) => [d.id, Math.max(0, Number(d.properties.amount) || 0)])
        await syncCrm(store, small())
        expect(await amounts(), JSON.stringify(ignored)).toEqual(want())
        // Twelve of them changed in one later millisecond, with five new deals.
        for (const d of deals.slice(0, 12))
          Object.assign(d.properties, { amount: '5555', hs_lastmodifieddate: new Date(Date.UTC(2024, 4, 3)).toISOString() })
        deals.push(...docsDeals(5, { first: Date.UTC(2024, 4, 3), stepMs: 0, firstId: 18_400_000_000 }))
        await syncCrm(store, small())
        expect(await amounts(), JSON.stringify(ignored)).toEqual(want())
      } finally {
        await store.close()
      }
    }
  })

  it('a millisecond drained through the server cursor whose paging loops back: the sync stops instead of marking it read', async () => {
    // 20 deals in one millisecond, listed in an order that is not their ids', then 10 later ones.
    const tied = docsDeals(20, { stepMs: 0 }).sort(
      (a, b) => (Number(a.id.slice(-2)) % 7) - (Number(b.id.slice(-2)) % 7) || (a.id < b.id ? 1 : -1),
    )
    const deals = [...tied, ...docsDeals(10, { first: Date.UTC(2024, 4, 2), firstId: 18_300_000_000 })]
    // The page at offset 6 names offset 3 as the next one: the millisecond is read through the server's cursor, as it ignores the id sort.
    fake.options = { deals, pageSize: 3, applySorts: false, rewind: { at: 6, to: 3 } }
    const store = await openTestStore()
    try {
      const small = () => createHubspotSource({ ...sourceOptions(), pageSize: 3 })
      const error = await syncCrm(store, small()).catch((e: unknown) => e)
      expect(String(error)).toContain(`HubSpot's paging of the deals search of ${deals[0]?.properties.hs_lastmodifieddate} came back`)
      const stored = async () => (await store.db.selectFrom('deals').select('deal_id').orderBy('deal_id').execute()).map((r) => r.deal_id)
      // The three pages of the millisecond read before the loop are stored.
      expect((await stored()).length).toBe(9)
      fake.options = { deals, pageSize: 3, applySorts: false }
      await syncCrm(store, small())
      expect(await stored()).toEqual(deals.map((d) => d.id).sort())
    } finally {
      await store.close()
    }
  })

  it('dates as epoch-millisecond strings, amounts empty or null, history newest first', async () => {
    const deals = docsDeals(3, { epoch: true })
    fake.options = { deals }
    const store = await openTestStore()
    try {
      await syncCrm(store, source())
      const rows = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
      const won = deals[0] as (typeof deals)[number]
      const iso = (ms: string | null | undefined) => new Date(Number(ms)).toISOString()
      expect(rows.map((r) => [r.deal_id, r.outcome, r.amount, r.created_date, r.closed_date, r.stage])).toEqual([
        [won.id, 'won', 1000, iso(won.properties.createdate).slice(0, 10), iso(won.properties.closedate).slice(0, 10), 'Closed Won'],
        [deals[1]?.id, 'open', 0, iso(deals[1]?.properties.createdate).slice(0, 10), null, 'Qualified To Buy'],
        [deals[2]?.id, 'open', 0, iso(deals[2]?.properties.createdate).slice(0, 10), null, 'Qualified To Buy'],
      ])
      const history = await store.db.selectFrom('stage_history').selectAll().where('deal_id', '=', won.id).orderBy('entered_at').execute()
      expect(history.map((h) => [h.stage, h.entered_at, h.left_at])).toEqual([
        ['Appointment Scheduled', iso(won.history[0]?.timestamp), iso(won.history[1]?.timestamp)],
        ['Qualified To Buy', iso(won.history[1]?.timestamp), iso(won.history[2]?.timestamp)],
        ['Closed Won', iso(won.history[2]?.timestamp), null],
      ])
    } finally {
      await store.close()
    }
  })

  it('ids, amounts, flags and epoch-millisecond dates written as JSON numbers and booleans: stored as if written as text', async () => {
    const deals = docsDeals(4, { epoch: true })
    const stored = async (jsonNumbers: boolean) => {
      fake.options = { deals, jsonNumbers }
      const store = await openTestStore()
      try {
        const summary = await syncCrm(store, source())
        return {
          summary: { deals: summary.deals, owners: summary.owners, stages: summary.stages },
          deals: await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute(),
          history: await store.db.selectFrom('stage_history').selectAll().orderBy('deal_id').orderBy('entered_at').execute(),
          owners: await store.db.selectFrom('owners').select(['owner_id', 'email']).orderBy('owner_id').execute(),
        }
      } finally {
        await store.close()
      }
    }
    const asText = await stored(false)
    const asNumbers = await stored(true)
    expect(asNumbers.summary).toEqual({ deals: 4, owners: 2, stages: 5 })
    expect(asText.deals.map((d) => d.outcome)).toEqual(['won', 'open', 'open', 'won'])
    const same = (rows: Array<Record<string, unknown>>) => rows.map(({ updated_at, synced_at, ...rest }) => rest)
    expect(same(asNumbers.deals)).toEqual(same(asText.deals))
    expect(asNumbers.history).toEqual(asText.history)
    expect(asNumbers.owners).toEqual(asText.owners)
  })

  it('a long text property used as the region is cut to 1,000 bytes, and an amount past 10^18 counts as none', async () => {
    const deals = docsDeals(2)
    const [first, second] = deals as [(typeof deals)[number], (typeof deals)[number]]
    first.properties.region = 'Région nord '.repeat(200)
    second.properties.amount = '1e308'
    fake.options = { deals }
    const store = await openTestStore()
    try {
      await syncCrm(store, source())
      const rows = await store.db.selectFrom('deals').select(['deal_id', 'region', 'amount']).orderBy('deal_id').execute()
      expect(Buffer.byteLength(rows[0]?.region ?? '')).toBeLessThanOrEqual(1000)
      expect(rows[0]?.region).toBe('Région nord '.repeat(200).slice(0, (rows[0]?.region ?? '').length))
      expect((rows[0]?.region ?? '').length).toBeGreaterThan(900)
      expect(rows[1]?.amount).toBe(0)
    } finally {
      await store.close()
    }
  })

  it('stage metadata with only the required probability: closed and won stages still known, a lost deal keeps its last open stage', async () => {
    const deals = docsDeals(3)
    const lost = deals[1] as (typeof deals)[number]
    Object.assign(lost.properties, { dealstage: 'closedlost', hs_is_closed: 'true', hs_is_closed_won: 'false' })
    lost.history.push({ value: 'closedlost', timestamp: lost.properties.hs_lastmodifieddate as string })
    fake.options = { deals, probabilityOnly: true }
    const store = await openTestStore()
    try {
      await syncCrm(store, source())
      const stages = await store.db.selectFrom('stages').select(['name', 'is_closed', 'is_won']).orderBy('position').execute()
      expect(stages.map((s) => [s.name, s.is_closed, s.is_won])).toEqual([
        ['Appointment Scheduled', 0, 0],
        ['Qualified To Buy', 0, 0],
        ['Contract Sent', 0, 0],
        ['Closed Won', 1, 1],
        ['Closed Lost', 1, 0],
      ])
      const row = await store.db.selectFrom('deals').selectAll().where('deal_id', '=', lost.id).executeTakeFirstOrThrow()
      expect([row.outcome, row.stage]).toEqual(['lost', 'Qualified To Buy'])
    } finally {
      await store.close()
    }
  })

  it('429s without Retry-After or a policy are backed off; the daily limit stops at once with a plain message', async () => {
    fake.options = { deals: docsDeals(3) }
    const plain = { status: 'error', message: 'Too many requests, slow down', errorType: 'RATE_LIMIT', correlationId: 'c-429' }
    fake.failNext({ path: '/crm/v3/objects/deals/search' }, { status: 429, body: plain }, 2)
    let store = await openTestStore()
    const clock = virtualClock(Date.UTC(2024, 5, 1))
    const src = createHubspotSource({ token: fake.token, baseUrl: fake.url, segments: SEGMENTS, clock, backoffBaseMs: 100 })
    try {
      expect((await syncCrm(store, src)).deals).toBe(3)
      expect(clock.sleeps.filter((ms) => ms >= 50)).toHaveLength(2)
    } finally {
      await store.close()
    }

    // Nine refusals in a row: the first answer and all eight retries.
    fake.failNext({ path: '/crm/v3/objects/deals/search' }, { status: 429, body: plain }, 9)
    store = await openTestStore()
    try {
      const error = await syncCrm(store, source()).catch((e) => e)
      expect(error.code).toBe('crm_rate_limited')
      expect(error.message).toContain('Too many requests, slow down')
    } finally {
      await store.close()
    }

    fake.failNext(
      { path: '/crm/v3/pipelines/deals' },
      {
        status: 429,
        body: {
          status: 'error',
          message: 'You have reached your daily limit.',
          errorType: 'RATE_LIMIT',
          correlationId: 'c-d',
          policyName: 'DAILY',
        },
        headers: { 'x-hubspot-ratelimit-daily': '250000', 'x-hubspot-ratelimit-daily-remaining': '0' },
      },
    )
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain("HubSpot's daily API limit for this account is used up")
    expect(run.stderr).not.toContain(fake.token)
  })

  it('a token revoked mid-sync stops with a message naming HUBSPOT_TOKEN (never the token); status shows it; the next sync completes', async () => {
    const deals = docsDeals(450)
    fake.options = { deals }
    const denied = {
      status: 'error',
      message: 'Authentication credentials not found.',
      correlationId: 'c-401',
      category: 'INVALID_AUTHENTICATION',
    }
    let searches = 0
    fake.onRequest = (_m, path) => {
      if (path === '/crm/v3/objects/deals/search' && ++searches === 2) fake.failNext({}, { status: 401, body: denied }, 50)
    }
    const db = join(tempDir(), 'pulse.db')
    try {
      const run = await runCli('sync', '--db', db)
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('HUBSPOT_TOKEN')
      expect(run.stderr).not.toContain(fake.token)
      const status = JSON.parse((await runCli('status', '--db', db, '--json')).stdout)
      expect(status.lastSyncs[0]).toMatchObject({ source: 'hubspot', status: 'failed' })
    } finally {
      fake.onRequest = undefined
    }
    fake.clearFailures()
    const again = await runCli('sync', '--db', db, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(await dealIds(db)).toEqual(deals.map((d) => d.id))
  })

  it('a missing scope stops with a message naming the scope HubSpot asked for', async () => {
    fake.options = { deals: docsDeals(2) }
    fake.failNext(
      { path: '/crm/v3/owners' },
      {
        status: 403,
        body: {
          status: 'error',
          message: "This app hasn't been granted all required scopes to make this call.",
          correlationId: 'c-403',
          errors: [
            {
              message: 'One or more of the following scopes are required.',
              context: { requiredGranularScopes: ['crm.objects.owners.read'] },
            },
          ],
          category: 'MISSING_SCOPES',
        },
      },
    )
    const store = await openTestStore()
    try {
      const error = await syncCrm(store, source()).catch((e) => e)
      expect(error.code).toBe('crm_auth')
      expect(error.message).toContain('GET /crm/v3/owners')
      expect(error.message).toContain('MISSING_SCOPES')
      expect(error.message).toContain('Give the app behind HUBSPOT_TOKEN the scope crm.objects.owners.read.')
    } finally {
      await store.close()
    }
  })

  it('a 403 naming several scopes, any one of which would do, asks for the plain read scope, not all of them', async () => {
    fake.options = { deals: docsDeals(2) }
    // HubSpot's own example ("Using object APIs"): reading deals without crm.objects.deals.read.
    fake.failNext(
      { path: '/crm/v3/objects/deals/search' },
      {
        status: 403,
        body: {
          status: 'error',
          message:
            "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
          correlationId: 'dc49c0a8-9952-4937-aad4-e322b1e5cee0',
          errors: [
            {
              message: 'One or more of the following scopes are required.',
              context: {
                requiredGranularScopes: [
                  'crm.schemas.deals.read',
                  'crm.objects.deals.sensitive.read.v2',
                  'crm.objects.deals.read',
                  'crm.objects.deals.highly_sensitive.read.v2',
                ],
              },
            },
          ],
          links: { scopes: 'https://developers.hubspot.com/scopes' },
          category: 'MISSING_SCOPES',
        },
      },
    )
    const store = await openTestStore()
    try {
      const error = await syncCrm(store, source()).catch((e) => e)
      expect(error.code).toBe('crm_auth')
      expect(error.message).toContain('Give the app behind HUBSPOT_TOKEN the scope crm.objects.deals.read (HubSpot accepts any one of: ')
      // Never asks for the sensitive-data scopes as if they were needed too.
      expect(error.message).not.toMatch(/scopes crm\.schemas\.deals\.read, crm\.objects\.deals\.sensitive/)
      // Without the scope we document among them, any one is asked for, a long list cut short.
      const many = Array.from({ length: 9 }, (_, i) => `crm.objects.custom${i}.read`)
      fake.failNext(
        { path: '/crm/v3/pipelines/deals' },
        { status: 403, body: { status: 'error', category: 'MISSING_SCOPES', errors: [{ context: { requiredScopes: many } }] } },
      )
      const other = await syncCrm(store, source()).catch((e) => e)
      expect(other.message).toContain(
        'one of the scopes crm.objects.custom0.read, crm.objects.custom1.read, crm.objects.custom2.read, crm.objects.custom3.read and 5 more (HubSpot accepts any one of them).',
      )
    } finally {
      await store.close()
    }
  })

  it('a list endpoint that repeats its paging cursor ends instead of looping', async () => {
    fake.options = { deals: docsDeals(2) }
    const stuck = { results: [{ id: '61234509', email: 'x@example.com', archived: false }], paging: { next: { after: 'same' } } }
    fake.failNext({ path: '/crm/v3/owners' }, { status: 200, body: stuck }, 200)
    const store = await openTestStore()
    const before = fake.requests.length
    try {
      expect((await syncCrm(store, source())).deals).toBe(2)
      expect(fake.requests.slice(before).filter((r) => r.path.startsWith('/crm/v3/owners')).length).toBe(4)
    } finally {
      fake.clearFailures()
      await store.close()
    }
  })

  it('list endpoints whose paging loops over two cursors (A -> B -> A) end at the repeat instead of looping', async () => {
    const deals = docsDeals(3)
    fake.options = { deals }
    // Every page of either list names cursor B, except the page asked for with B, which names A again.
    const owner = { id: '61234509', email: 'x@example.com', firstName: null, lastName: null, archived: false }
    const gone = { id: String(deals[2]?.id), properties: { hs_object_id: String(deals[2]?.id) }, archived: true }
    const loop = (path: RegExp, row: unknown) => {
      fake.failNext(
        { path: new RegExp(`${path.source}.*after=B`) },
        { status: 200, body: { results: [row], paging: { next: { after: 'A' } } } },
        200,
      )
      fake.failNext({ path }, { status: 200, body: { results: [row], paging: { next: { after: 'B' } } } }, 200)
    }
    loop(/^\/crm\/v3\/owners\?/, owner)
    loop(/^\/crm\/v3\/objects\/deals\?/, gone)
    const logged: string[] = []
    const store = await openTestStore()
    const before = fake.requests.length
    try {
      const logger = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line).msg) })
      const result = await syncCrm(store, createHubspotSource({ ...sourceOptions(), logger }))
      expect(result).toMatchObject({ deals: 3, removed: 1 })
      const asked = fake.requests.slice(before).map((r) => r.path)
      // Asked with no cursor, with B and with A, once per list (owners: archived and active ones), then no more.
      expect(asked.filter((p) => p.startsWith('/crm/v3/owners')).length).toBe(6)
      expect(asked.filter((p) => p.startsWith('/crm/v3/objects/deals?')).length).toBe(3)
      expect(logged.filter((m) => m.includes('came back to a cursor it sent before')).length).toBe(3)
    } finally {
      fake.clearFailures()
      await store.close()
    }
  })

  it('a server that does not list archived deals: the deals are stored and the sync succeeds', async () => {
    const deals = docsDeals(3)
    fake.options = { deals }
    fake.failNext(
      { path: '/crm/v3/objects/deals' },
      { status: 404, body: { status: 'error', message: 'Not found', category: 'OBJECT_NOT_FOUND' } },
    )
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ deals: 3, removed: 0 })
    expect(await dealIds(db)).toEqual(deals.map((d) => d.id))
  })
})

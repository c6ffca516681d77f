import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES, type SegmentMapping } from '../../src/config.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { staysFromChanges } from '../../src/crm/stage-stays.js'
import type { Store } from '../../src/db/open-store.js'
import { findWatermark } from '../../src/db/store-sync-page.js'
import { AppError } from '../../src/errors.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { createLogger } from '../../src/log/create-logger.js'
import {
  DEFAULT_PIPELINE_STAGES,
  type FakeHubspotDeal,
  generateHubspotDeals,
  type HubspotFake,
  startHubspotFake,
} from '../fakes/hubspot-fake.js'
import { openTestStore, writeTempFile } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'
import { expectStaysIn, staysOffTheUtcDay, storeSnapshot } from './store-snapshot.js'

const SEGMENTS: SegmentMapping = { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' }
const MAY_20 = Date.UTC(2024, 4, 20)

let fake: HubspotFake | undefined
let store: Store | undefined
afterEach(async () => {
  await fake?.close()
  await store?.close()
  fake = undefined
  store = undefined
})

/** A fake whose modifications are stamped from a counter after every generated deal. */
async function fakeWith(deals: FakeHubspotDeal[], options: Parameters<typeof startHubspotFake>[0] = {}) {
  let tick = MAY_20
  return startHubspotFake({ deals, now: () => (tick += 1000), ...options })
}

function source(f: HubspotFake, extra: Partial<Parameters<typeof createHubspotSource>[0]> = {}) {
  return createHubspotSource({
    token: f.token,
    baseUrl: f.url,
    segments: SEGMENTS,
    clock: virtualClock(Date.UTC(2024, 5, 1)),
    limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
    backoffBaseMs: 10,
    ...extra,
  })
}

const LABEL = new Map<string, string>(DEFAULT_PIPELINE_STAGES.map((s) => [s.id, s.label]))
const CLOSED = new Set<string>(['Closed Won', 'Closed Lost'])

/** The calendar day of an instant in `timeZone`, as a wall calendar there shows it. */
const dayIn = (instant: string, timeZone: string) => new Date(instant).toLocaleDateString('en-CA', { timeZone })

/** The rows the store should hold for the fake's live deals, derived from the fake's own data. */
function expected(f: HubspotFake, timeZone = 'UTC') {
  const owners = new Map(f.owners.map((o) => [o.id, o.email.toLowerCase()]))
  const live = [...f.deals.values()].filter((d) => !d.archived).sort((a, b) => (a.id < b.id ? -1 : 1))
  const deals = live.map((d) => {
    const p = d.properties
    const stays = staysFromChanges(
      d.id,
      d.history.map((h) => ({ stage: LABEL.get(h.value) as string, at: h.timestamp })),
    )
    const won = p.hs_is_closed_won === 'true'
    const lost = !won && p.hs_is_closed === 'true'
    const lastOpen = [...stays].reverse().find((s) => !CLOSED.has(s.stage))?.stage
    return {
      deal_id: d.id,
      outcome: won ? 'won' : lost ? 'lost' : 'open',
      stage: lost ? lastOpen : LABEL.get(p.dealstage as string),
      amount: Number(p.amount),
      owner_id: p.hubspot_owner_id ?? 'unassigned',
      owner_email: p.hubspot_owner_id ? (owners.get(p.hubspot_owner_id) ?? null) : null,
      // A deal closed before its record was created existed by its close.
      created_date: [dayIn(p.createdate as string, timeZone), ...(won || lost ? [dayIn(p.closedate as string, timeZone)] : [])].sort()[0],
      closed_date: won || lost ? dayIn(p.closedate as string, timeZone) : null,
      last_activity_date: p.notes_last_updated ? dayIn(p.notes_last_updated, timeZone) : null,
      region: p.region,
      industry: p.industry,
      product_type: p.dealtype,
      lead_source: p.hs_analytics_source,
      source: 'hubspot',
    }
  })
  const history = live
    .flatMap((d) =>
      staysFromChanges(
        d.id,
        d.history.map((h) => ({ stage: LABEL.get(h.value) as string, at: h.timestamp })),
      ).map((s) => ({ deal_id: s.dealId, stage: s.stage, entered_at: s.enteredAt, left_at: s.leftAt })),
    )
    .sort((a, b) => (a.deal_id < b.deal_id ? -1 : a.deal_id > b.deal_id ? 1 : a.entered_at < b.entered_at ? -1 : 1))
  return { deals, history }
}

async function expectStoreToMatch(f: HubspotFake, s: Store, timeZone?: string) {
  const snap = await storeSnapshot(s)
  const want = expected(f, timeZone)
  expect(snap.deals.length).toBe(want.deals.length)
  expect(snap.deals.map((d) => ({ ...pick(d, Object.keys(want.deals[0] ?? {})) }))).toEqual(want.deals)
  expectStaysIn(timeZone, snap.history, want.history)
}

function pick(o: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]))
}

describe('HubSpot sync', () => {
  it('a full sync stores exactly the fake HubSpot data: deals, stage history, owners with emails, stage order', async () => {
    fake = await fakeWith(generateHubspotDeals(1100, { seed: 3 }))
    store = await openTestStore()
    const summary = await syncCrm(store, source(fake))
    expect(summary).toMatchObject({ deals: 1100, removed: 0, stages: 7 })
    await expectStoreToMatch(fake, store)
    const snap = await storeSnapshot(store)
    expect(snap.stages.map((s) => [s.name, s.is_closed, s.is_won])).toEqual([
      ['Appointment Scheduled', 0, 0],
      ['Qualified To Buy', 0, 0],
      ['Presentation Scheduled', 0, 0],
      ['Decision Maker Bought-In', 0, 0],
      ['Contract Sent', 0, 0],
      ['Closed Won', 1, 1],
      ['Closed Lost', 1, 0],
    ])
    expect(snap.owners.map((o) => [o.owner_id, o.email])).toEqual([
      ['61234501', 'ana.ruiz@example.com'],
      ['61234502', 'bo.chen@example.com'],
      ['61234503', 'cy.diaz@example.com'],
      ['61234504', 'di.evans@example.com'],
    ])
    const run = await store.db.selectFrom('sync_runs').selectAll().executeTakeFirstOrThrow()
    expect(run).toMatchObject({ source: 'hubspot', status: 'done', deals: 1100, errors: 0 })
    expect(run.pages).toBeGreaterThanOrEqual(6)
    // Every search asked for ascending hs_lastmodifieddate, 200 a page.
    const searches = fake.requests.filter((r) => r.path === '/crm/v3/objects/deals/search').map((r) => JSON.parse(r.body))
    expect(searches.every((b) => b.limit === 200 && b.sorts[0].direction === 'ASCENDING')).toBe(true)
  })

  it.each(['America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Kiritimati'])(
    'stores each date-time as the day it was in PULSE_TZ %s: a deal won late on March 31 there closed in March',
    async (timeZone) => {
      const deals = generateHubspotDeals(300, { seed: 5 })
      // Won at 18:30 on March 31 in Los Angeles; April 1 in UTC and further east.
      const late = deals.find((d) => d.properties.hs_is_closed_won === 'true') as FakeHubspotDeal
      late.properties.closedate = '2024-04-01T01:30:00.000Z'
      fake = await fakeWith(deals)
      store = await openTestStore()
      await syncCrm(store, source(fake, { timeZone }))
      await expectStoreToMatch(fake, store, timeZone)
      // Stage changes late in the day in Los Angeles, or early in the day further east, fell on
      // another UTC day: a past "as of" funnel or time in stage would have dated them a day off.
      expect(staysOffTheUtcDay((await storeSnapshot(store)).history)).toBeGreaterThan(0)
      const row = await store.db.selectFrom('deals').select('closed_date').where('deal_id', '=', late.id).executeTakeFirstOrThrow()
      expect(row.closed_date).toBe(timeZone === 'America/Los_Angeles' ? '2024-03-31' : '2024-04-01')
    },
  )

  it('a changed PULSE_TZ: the next sync says so and dates every stored deal in the new zone, then is incremental again', async () => {
    const deals = generateHubspotDeals(120, { seed: 5 })
    const late = deals.find((d) => d.properties.hs_is_closed_won === 'true') as FakeHubspotDeal
    late.properties.closedate = '2024-04-01T01:30:00.000Z'
    fake = await fakeWith(deals)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store, 'UTC')
    // No deal changed in HubSpot: only the team's zone did.
    const logged: string[] = []
    const logger = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line).msg) })
    expect(await syncCrm(store, source(fake, { timeZone: 'America/Los_Angeles', logger }))).toMatchObject({ deals: 120 })
    await expectStoreToMatch(fake, store, 'America/Los_Angeles')
    const row = await store.db.selectFrom('deals').select('closed_date').where('deal_id', '=', late.id).executeTakeFirstOrThrow()
    expect(row.closed_date).toBe('2024-03-31')
    expect(logged.join('\n')).toContain('PULSE_TZ "UTC" is now "America/Los_Angeles" since the last sync: reading every deal again')
    // The same zone spelled another way is no change.
    expect((await syncCrm(store, source(fake, { timeZone: 'america/los_angeles' }))).deals).toBe(0)
  })

  it('keeps the close date of a deal closed before its record was created (moved in from another CRM)', async () => {
    const deals = generateHubspotDeals(50, { seed: 9 })
    const migrated = deals.find((d) => d.properties.hs_is_closed === 'true') as FakeHubspotDeal
    migrated.properties.closedate = '2023-03-15T17:00:00.000Z'
    fake = await fakeWith(deals)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
    const row = await store.db
      .selectFrom('deals')
      .select(['created_date', 'closed_date', 'closed_month', 'sales_cycle_days'])
      .where('deal_id', '=', migrated.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ created_date: '2023-03-15', closed_date: '2023-03-15', closed_month: '2023-03', sales_cycle_days: 0 })
  })

  it('an incremental sync after changes reads exactly the changed, added and archived deals', async () => {
    const deals = generateHubspotDeals(600, { seed: 4 })
    fake = await fakeWith(deals)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    const firstReads = fake.batchReadIds.length
    const [a, b, c] = [deals[10] as FakeHubspotDeal, deals[300] as FakeHubspotDeal, deals[599] as FakeHubspotDeal]
    fake.updateDeal(a.id, { amount: '999' })
    fake.updateDeal(b.id, { dealstage: 'closedlost' })
    fake.addDeal({
      ...(generateHubspotDeals(1, { seed: 9, firstId: 19_000_000_000, firstModified: MAY_20 + 500_000 })[0] as FakeHubspotDeal),
    })
    fake.archiveDeal(c.id)
    const summary = await syncCrm(store, source(fake))
    expect(fake.batchReadIds.slice(firstReads).sort()).toEqual([a.id, b.id, '19000000000'].sort())
    expect(summary).toMatchObject({ deals: 3, removed: 1 })
    await expectStoreToMatch(fake, store)
    const lost = await store.db.selectFrom('deals').selectAll().where('deal_id', '=', b.id).executeTakeFirstOrThrow()
    expect(lost.outcome).toBe('lost')
    // A third sync with nothing changed reads nothing.
    const before = fake.batchReadIds.length
    expect((await syncCrm(store, source(fake))).deals).toBe(0)
    expect(fake.batchReadIds.length).toBe(before)
  })

  it('archived deals listed by id alone (no properties, as a loose server lists them) are removed', async () => {
    const deals = generateHubspotDeals(20, { seed: 6 })
    fake = await fakeWith(deals)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    const gone = deals[5] as FakeHubspotDeal
    fake.archiveDeal(gone.id)
    fake.failNext(
      { path: /\/crm\/v3\/objects\/deals\?.*archived=true/ },
      { status: 200, body: { results: [{ id: gone.id, archived: true, archivedAt: '2024-05-21T00:00:00.000Z' }] } },
    )
    expect(await syncCrm(store, source(fake))).toMatchObject({ removed: 1 })
    await expectStoreToMatch(fake, store)
  })

  it("keeps a CSV deal and the HubSpot deal of the same id apart: neither replaces the other, an archive or --full removes only HubSpot's, a CSV row with HubSpot's id is quarantined", async () => {
    const deals = generateHubspotDeals(20, { seed: 4 })
    const [ours, theirs, again] = [deals[3] as FakeHubspotDeal, deals[7] as FakeHubspotDeal, deals[9] as FakeHubspotDeal]
    fake = await fakeWith(deals)
    store = await openTestStore()
    // A CSV export from elsewhere (deals created in 2020) already uses an id HubSpot has too.
    const header =
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history'
    const old = writeTempFile(
      'd.csv',
      `${header}\n${theirs.id},2020-01-02,,r1,SaaS,EMEA,Core,Web,Demo,1234,Open,Qualified@2020-01-02;Demo@2020-01-09\n`,
    )
    await importCsvFile(store, { path: old, stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    const first = await syncCrm(store, source(fake))
    expect(first).toMatchObject({ deals: 20, keptApart: 1 })
    expect(first.notes?.join('\n')).toContain(
      `1 HubSpot deal has an id that a CSV import already stored another deal under (${theirs.id}): it is stored as hubspot:${theirs.id}`,
    )
    const both = () =>
      store?.db
        .selectFrom('deals')
        .select(['deal_id', 'source', 'amount'])
        .where('deal_id', 'in', [theirs.id, `hubspot:${theirs.id}`])
        .orderBy('deal_id')
        .execute()
    expect(await both()).toEqual([
      { deal_id: theirs.id, source: 'csv', amount: 1234 },
      { deal_id: `hubspot:${theirs.id}`, source: 'hubspot', amount: Number(theirs.properties.amount) },
    ])
    const csvStays = await store.db
      .selectFrom('stage_history')
      .select('stage')
      .where('deal_id', '=', theirs.id)
      .orderBy('entered_at')
      .execute()
    expect(csvStays).toEqual([{ stage: 'Qualified' }, { stage: 'Demo' }])
    // A later change in HubSpot updates the deal kept apart, not the CSV's.
    fake.updateDeal(theirs.id, { amount: '4321' })
    expect(await syncCrm(store, source(fake))).toMatchObject({ deals: 1 })
    expect(await both()).toEqual([
      { deal_id: theirs.id, source: 'csv', amount: 1234 },
      { deal_id: `hubspot:${theirs.id}`, source: 'hubspot', amount: 4321 },
    ])
    // Re-importing a CSV that names HubSpot's deals quarantines those rows, keeping HubSpot's deal and history.
    const clash = writeTempFile(
      'clash.csv',
      `${header}\n${theirs.id},2020-01-02,,r1,SaaS,EMEA,Core,Web,Proposal,1500,Open,\n${again.id},2020-02-02,,r1,SaaS,EMEA,Core,Web,Demo,99,Open,\n`,
    )
    const imported = await importCsvFile(store, { path: clash, stages: DEFAULT_STAGES, now: new Date('2024-06-02T00:00:00Z') })
    expect(imported).toMatchObject({ read: 2, updated: 1, inserted: 0, rejected: 1 })
    expect(imported.firstRejects).toEqual([
      { line: 3, reason: expect.stringContaining(`deal_id ${again.id} is a deal synced from HubSpot`) },
    ])
    const kept = await store.db.selectFrom('deals').select(['source', 'amount']).where('deal_id', '=', again.id).executeTakeFirstOrThrow()
    expect(kept).toEqual({ source: 'hubspot', amount: Number(again.properties.amount) })
    // HubSpot archives its deal of that id and one of its own: the CSV deal stays.
    fake.archiveDeal(theirs.id)
    fake.archiveDeal(ours.id)
    expect(await syncCrm(store, source(fake))).toMatchObject({ removed: 2 })
    expect(await both()).toEqual([{ deal_id: theirs.id, source: 'csv', amount: 1500 }])
    // A full sync removes what HubSpot no longer has of its own, never the CSV's deal.
    expect(await syncCrm(store, source(fake), { full: true })).toMatchObject({ mode: 'full', removed: 0 })
    expect(await both()).toEqual([{ deal_id: theirs.id, source: 'csv', amount: 1500 }])
    const counts = await store.db
      .selectFrom('deals')
      .select(['source', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('source')
      .orderBy('source')
      .execute()
    expect(counts.map((c) => [c.source, Number(c.n)])).toEqual([
      ['csv', 1],
      ['hubspot', 18],
    ])
  })

  it('takes over the CSV deals that are an export of HubSpot (same id, same created day): no deal is counted twice', async () => {
    const deals = generateHubspotDeals(6, { seed: 8 })
    const exported = deals[2] as FakeHubspotDeal
    fake = await fakeWith(deals)
    store = await openTestStore()
    const header = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
    const created = (exported.properties.createdate as string).slice(0, 10)
    const csv = writeTempFile('export.csv', `${header}\n${exported.id},${created},,r1,SaaS,EMEA,Core,Web,Demo,1000,Open\n`)
    await importCsvFile(store, { path: csv, stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })
    const summary = await syncCrm(store, source(fake))
    expect(summary).toMatchObject({ deals: 6, takenOver: 1 })
    expect(summary).not.toHaveProperty('keptApart')
    expect(summary.notes?.join('\n')).toContain(
      `1 deal a CSV import stored (${exported.id}) is the HubSpot deal of the same id and created day`,
    )
    const rows = await store.db.selectFrom('deals').select(['deal_id', 'source']).where('deal_id', 'like', `%${exported.id}`).execute()
    expect(rows).toEqual([{ deal_id: exported.id, source: 'hubspot' }])
  })

  it('handles more deals modified in one millisecond than fit a page, and never pages past the 10,000 cap', async () => {
    const deals = generateHubspotDeals(10_450, { seed: 5, stepMs: 3 })
    const tie = Date.parse(deals[5000]?.properties.hs_lastmodifieddate as string)
    for (let i = 5000; i < 5450; i++) (deals[i] as FakeHubspotDeal).properties.hs_lastmodifieddate = new Date(tie).toISOString()
    deals.sort((x, y) => Date.parse(x.properties.hs_lastmodifieddate as string) - Date.parse(y.properties.hs_lastmodifieddate as string))
    fake = await fakeWith(deals)
    store = await openTestStore()
    const summary = await syncCrm(store, source(fake))
    expect(summary.deals).toBe(10_450)
    expect(fake.requests.filter((r) => r.status === 400)).toEqual([])
    await expectStoreToMatch(fake, store)
    // The drain went by hs_object_id within that millisecond.
    const drains = fake.requests.filter((r) => r.body.includes('"hs_object_id","operator":"GT"'))
    expect(drains.length).toBeGreaterThanOrEqual(3)
    // The fake itself refuses to page past the cap, as HubSpot does.
    const past = await fetch(`${fake.url}/crm/v3/objects/deals/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 200, after: '9900' }),
    })
    expect(past.status).toBe(400)
    expect(((await past.json()) as { category: string }).category).toBe('VALIDATION_ERROR')
    // And more filters than HubSpot takes in one search (the sync sends at most two).
    const filters = Array.from({ length: 11 }, () => ({ propertyName: 'hs_object_id', operator: 'GT', value: '0' }))
    const tooMany = await fetch(`${fake.url}/crm/v3/objects/deals/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 10, filterGroups: [{ filters }] }),
    })
    expect(tooMany.status).toBe(400)
    expect(fake.requests.filter((r) => r.path.endsWith('/search') && r.status === 400)).toHaveLength(2)
  })

  it('deals modified while the sync runs are neither skipped nor stored stale', async () => {
    const deals = generateHubspotDeals(1000, { seed: 6 })
    fake = await fakeWith(deals)
    store = await openTestStore()
    let searches = 0
    fake.onRequest = (_m, path) => {
      if (path !== '/crm/v3/objects/deals/search') return
      searches++
      if (searches === 3) {
        fake?.updateDeal((deals[5] as FakeHubspotDeal).id, { amount: '1' }) // already read: moves to the end
        fake?.updateDeal((deals[900] as FakeHubspotDeal).id, { dealstage: 'closedwon' }) // not read yet
        fake?.archiveDeal((deals[950] as FakeHubspotDeal).id)
      }
    }
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
  })

  it('stops on 401 with a message naming HUBSPOT_TOKEN, records the failed run and keeps the watermark', async () => {
    fake = await fakeWith(generateHubspotDeals(10))
    store = await openTestStore()
    const error = await syncCrm(store, createHubspotSource({ token: 'wrong', baseUrl: fake.url, segments: SEGMENTS })).catch((e) => e)
    expect(error).toBeInstanceOf(AppError)
    expect(error.code).toBe('crm_auth')
    expect(error.message).toContain('HUBSPOT_TOKEN')
    expect(error.message).not.toContain('wrong')
    const run = await store.db.selectFrom('sync_runs').selectAll().executeTakeFirstOrThrow()
    expect(run).toMatchObject({ status: 'failed', errors: 1 })
    expect(run.error_message).toContain('HUBSPOT_TOKEN')
    expect(await findWatermark(store.db, 'hubspot')).toBeNull()
  })

  it('waits out a search 429 (1 s for the secondly limit, or what Retry-After says) and retries a 5xx', async () => {
    fake = await fakeWith(generateHubspotDeals(300))
    store = await openTestStore()
    const search429 = { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: 'x' }
    fake.failNext({ path: '/crm/v3/objects/deals/search' }, { status: 429, body: search429 })
    fake.failNext({ path: '/crm/v3/objects/deals/search' }, { status: 429, body: search429, headers: { 'retry-after': '7' } })
    fake.failNext(
      { path: '/crm/v3/objects/deals/batch/read' },
      {
        status: 429,
        body: {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          policyName: 'TEN_SECONDLY_ROLLING',
        },
        headers: { 'x-hubspot-ratelimit-interval-milliseconds': '10000' },
      },
    )
    fake.failNext({ path: '/crm/v3/pipelines/deals' }, { status: 502, body: '<html>Bad gateway</html>' }, 2)
    const clock = virtualClock(Date.UTC(2024, 5, 1))
    const src = source(fake, { clock })
    await syncCrm(store, src)
    await expectStoreToMatch(fake, store)
    const sleeps = clock.sleeps.map((s) => Math.round(s))
    expect(sleeps).toContain(7000)
    expect(sleeps.some((s) => s >= 990 && s <= 1000)).toBe(true)
    expect(sleeps.some((s) => s >= 9990 && s <= 10_000)).toBe(true)
    expect(src.api.stats).toMatchObject({ rateLimited: 3, rateLimitedTwice: 1 })
  })

  it('waits out a 423 Locked (2 s, as HubSpot asks) and retries, also on the archived list, so archived deals are still removed', async () => {
    const deals = generateHubspotDeals(300, { seed: 9 })
    fake = await fakeWith(deals)
    store = await openTestStore()
    await syncCrm(store, source(fake))
    fake.archiveDeal((deals[7] as FakeHubspotDeal).id)
    fake.updateDeal((deals[8] as FakeHubspotDeal).id, { amount: '777' })
    const locked = {
      status: 423,
      body: {
        status: 'error',
        message: 'Locked: too many requests to this portal in a short time.',
        correlationId: 'l',
        category: 'LOCKED',
      },
    }
    fake.failNext({ path: '/crm/v3/objects/deals/batch/read' }, locked)
    fake.failNext({ method: 'GET', path: '/crm/v3/objects/deals' }, locked, 2)
    const clock = virtualClock(Date.UTC(2024, 5, 1))
    const summary = await syncCrm(store, source(fake, { clock }))
    expect(summary).toMatchObject({ deals: 1, removed: 1 })
    await expectStoreToMatch(fake, store)
    expect(clock.sleeps.filter((s) => Math.round(s) >= 1995 && s <= 2000).length).toBeGreaterThanOrEqual(3)
    // One that stays locked stops the sync, saying so, instead of skipping the removals.
    fake.archiveDeal((deals[9] as FakeHubspotDeal).id)
    fake.failNext({ method: 'GET', path: '/crm/v3/objects/deals' }, locked, 20)
    const error = await syncCrm(store, source(fake)).catch((e) => e)
    expect(error.code).toBe('crm_unavailable')
    expect(error.message).toContain('HTTP 423 Locked')
    expect(
      await store.db
        .selectFrom('deals')
        .select('deal_id')
        .where('deal_id', '=', (deals[9] as FakeHubspotDeal).id)
        .execute(),
    ).toHaveLength(1)
  })

  it('a 477 (account migrating) waits out a short Retry-After, and stops at once on one of hours, saying why', async () => {
    fake = await fakeWith(generateHubspotDeals(300, { seed: 10 }))
    store = await openTestStore()
    const migrating = { status: 'error', message: 'Migration in progress', correlationId: 'm' }
    fake.failNext({ path: '/crm/v3/objects/deals/search' }, { status: 477, body: migrating, headers: { 'retry-after': '30' } })
    const clock = virtualClock(Date.UTC(2024, 5, 1))
    await syncCrm(store, source(fake, { clock }))
    await expectStoreToMatch(fake, store)
    expect(clock.sleeps.map(Math.round)).toContain(30_000)
    fake.failNext({ path: '/crm/v3/pipelines/deals' }, { status: 477, body: migrating, headers: { 'retry-after': '86400' } })
    const started = fake.requests.length
    const error = await syncCrm(store, source(fake)).catch((e) => e)
    expect(error.code).toBe('crm_unavailable')
    expect(error.message).toContain('HubSpot is moving this account between data hosting locations (HTTP 477')
    expect(error.message).toContain('asks to wait 24 h')
    expect(fake.requests.length - started).toBe(1)
  })

  it('a malformed body is an error naming the endpoint; what was stored before stays, and a rerun completes', async () => {
    fake = await fakeWith(generateHubspotDeals(900, { seed: 8 }))
    store = await openTestStore()
    let reads = 0
    fake.onRequest = (_m, path) => {
      if (path === '/crm/v3/objects/deals/batch/read' && ++reads === 10) {
        fake?.failNext({ path: '/crm/v3/objects/deals/batch/read' }, { status: 200, body: '{"status":"COMPLETE","results":[{"id":' })
      }
    }
    const error = await syncCrm(store, source(fake, { readAhead: 1 })).catch((e) => e)
    expect(error.code).toBe('crm_bad_response')
    expect(error.message).toContain('POST /crm/v3/objects/deals/batch/read')
    const stored = await store.db
      .selectFrom('deals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(stored.n)).toBeGreaterThan(0)
    expect(Number(stored.n)).toBeLessThan(900)
    fake.onRequest = undefined
    await syncCrm(store, source(fake))
    await expectStoreToMatch(fake, store)
  })

  it('stores the pages already read when a later search fails for good, so a rerun resumes after them', async () => {
    fake = await fakeWith(generateHubspotDeals(900, { seed: 9 }))
    store = await openTestStore()
    let searches = 0
    fake.onRequest = (_m, path) => {
      // From the third search on, HubSpot answers 503 to every try.
      if (path === '/crm/v3/objects/deals/search' && ++searches === 3) {
        fake?.failNext(
          { path: '/crm/v3/objects/deals/search' },
          { status: 503, body: { status: 'error', message: 'Service Unavailable', correlationId: 'c-503' } },
          1000,
        )
      }
    }
    const error = await syncCrm(store, source(fake, { pageSize: 100, readAhead: 3 })).catch((e) => e)
    expect(error).toBeInstanceOf(AppError)
    expect(error.message).toContain('503')
    // The deals of the two searches before the failure (each new search starts at the last
    // deal seen, so about 200) are stored with the watermark that covers them.
    const stored = await store.db
      .selectFrom('deals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(stored.n)).toBe(new Set(fake.batchReadIds).size)
    expect(Number(stored.n)).toBeGreaterThan(150)
    expect(await findWatermark(store.db, 'hubspot')).not.toBeNull()
    fake.onRequest = undefined
    fake.clearFailures()
    const before = fake.batchReadIds.length
    await syncCrm(store, source(fake, { pageSize: 100 }))
    // The rerun reads only the deals not stored yet.
    expect(fake.batchReadIds.length - before).toBe(900 - Number(stored.n))
    await expectStoreToMatch(fake, store)
  })

  it('a full sync stopped part-way is finished by the next sync: it reads on from there, then removes what HubSpot no longer has', async () => {
    const deals = generateHubspotDeals(900, { seed: 12 })
    fake = await fakeWith(deals)
    store = await openTestStore()
    await syncCrm(store, source(fake, { pageSize: 100 }))
    // Five deals HubSpot no longer has at all (not even as archived): only a full sync can tell.
    await fake.close()
    fake = await fakeWith(deals.slice(5))
    const stop = new AbortController()
    const stopped = await syncCrm(store, source(fake, { pageSize: 100 }), {
      full: true,
      signal: stop.signal,
      onProgress: (_note, totals) => {
        if (totals.pages >= 2) stop.abort()
      },
    })
    expect(stopped).toMatchObject({ mode: 'full', stopped: true, removed: 0 })
    const read = fake.batchReadIds.length
    const rest = await syncCrm(store, source(fake, { pageSize: 100 }))
    expect(rest).toMatchObject({ mode: 'full', removed: 5 })
    expect(rest.notes?.at(-1)).toMatch(/^This sync finished the full sync begun .* and stopped part-way/)
    // It read on from the last page stored, not from the first.
    expect(read).toBeGreaterThan(150)
    expect(fake.batchReadIds.length - read).toBeLessThan(895 - 150)
    await expectStoreToMatch(fake, store)
    // The full sync is over: the next one is incremental again.
    expect(await syncCrm(store, source(fake, { pageSize: 100 }))).toMatchObject({ mode: 'incremental', removed: 0 })
  })

  it('pipelines and stages listed without displayOrder (or with it null) keep the order they are listed in', async () => {
    fake = await fakeWith(generateHubspotDeals(30, { seed: 19 }))
    store = await openTestStore()
    // The default pipeline, its stages in order, as a loose server writes it: no displayOrder, one null.
    const stages = DEFAULT_PIPELINE_STAGES.map((s, i) => ({
      id: s.id,
      label: s.label,
      ...(i === 2 ? { displayOrder: null } : {}),
      metadata: { isClosed: String(s.isClosed), probability: s.probability },
    }))
    fake.failNext(
      { path: '/crm/v3/pipelines/deals' },
      { status: 200, body: { results: [{ id: 'default', label: 'Sales Pipeline', stages }] } },
    )
    const summary = await syncCrm(store, source(fake))
    expect(summary.deals).toBe(30)
    expect((await storeSnapshot(store)).stages.map((s) => s.name)).toEqual(DEFAULT_PIPELINE_STAGES.map((s) => s.label))
    await expectStoreToMatch(fake, store)
  })

  it('paces searches below a real 5-per-second limit: no 429 at all', async () => {
    fake = await fakeWith(generateHubspotDeals(1400, { seed: 2 }), { searchPerSecond: 5, burstPerTenSeconds: 190 })
    store = await openTestStore()
    const started = Date.now()
    await syncCrm(
      store,
      createHubspotSource({ token: fake.token, baseUrl: fake.url, segments: SEGMENTS, limits: { burstPerTenSeconds: 190 } }),
    )
    expect(fake.limited).toEqual({ search: 0, burst: 0 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    await expectStoreToMatch(fake, store)
  })
})

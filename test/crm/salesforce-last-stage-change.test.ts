import { afterEach, describe, expect, it } from 'vitest'
import type { SegmentMapping } from '../../src/config.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import type { Store } from '../../src/db/open-store.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import {
  type FakeOpportunity,
  generateOpportunities,
  type SalesforceFake,
  type SalesforceFakeOptions,
  sfDateTime,
  startSalesforceFake,
} from '../fakes/salesforce-fake.js'
import { openTestStore } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'

// An opportunity synced with its history, then read again in another stage without any
// `OpportunityHistory` row: the new stay begins when Salesforce says the stage changed
// (`LastStageChangeDate`), not at the record's last modification, when the org has the field;
// an org (or API version) without it answers 400 INVALID_FIELD to any query naming it, and the
// sync still works, dating the stay by the modification.

const SEGMENTS: SegmentMapping = {
  region: 'Account.BillingCountry',
  industry: 'Account.Industry',
  productType: 'Type',
  leadSource: 'LeadSource',
}
const STAGE_CHANGED = Date.UTC(2024, 4, 10, 9)
const MODIFIED = Date.UTC(2024, 4, 25, 9)

let fake: SalesforceFake | undefined
let store: Store | undefined
afterEach(async () => {
  await fake?.close()
  await store?.close()
  fake = undefined
  store = undefined
})

const source = (f: SalesforceFake, at = Date.UTC(2024, 5, 1)) =>
  createSalesforceSource({
    url: f.url,
    clientId: f.clientId,
    clientSecret: f.clientSecret,
    segments: SEGMENTS,
    clock: virtualClock(at),
    requestsPerSecond: 10_000,
    backoffBaseMs: 10,
  })

/** The SOQL of every query the fake was sent. */
const soqlSent = (f: SalesforceFake) =>
  f.requests.filter((r) => r.path.includes('/query?')).map((r) => new URL(r.path, 'http://x').searchParams.get('q') ?? '')

/**
 * Syncs an org of a few opportunities, then moves an open one from its stage to the next without
 * its history rows (on May 10, modified May 25), and syncs again; returns the moved one's stays.
 */
async function movedWithoutHistory(options: SalesforceFakeOptions) {
  const opps = generateOpportunities(20, { seed: 5 })
  const open = opps.find((o) => !o.IsClosed && o.StageName === 'Prospecting') as FakeOpportunity
  expect(open).toBeDefined()
  fake = await startSalesforceFake({ opportunities: opps, now: () => Date.UTC(2024, 4, 20), ...options })
  store = await openTestStore()
  await syncCrm(store, source(fake))
  const before = await stays(store, open.Id)
  expect(before.map((s) => s[0])).toEqual(['Prospecting'])

  Object.assign(open, {
    StageName: 'Qualification',
    history: [],
    LastStageChangeDate: sfDateTime(STAGE_CHANGED),
    LastModifiedDate: sfDateTime(MODIFIED),
    SystemModstamp: sfDateTime(MODIFIED),
  })
  const second = await syncCrm(store, source(fake))
  expect(second.deals).toBe(1)
  const deal = await store.db
    .selectFrom('deals')
    .select(['stage', 'stage_entered_date'])
    .where('deal_id', '=', open.Id)
    .executeTakeFirstOrThrow()
  return { stays: await stays(store, open.Id), deal, before }
}

async function stays(s: Store, id: string) {
  const rows = await s.db
    .selectFrom('stage_history')
    .select(['stage', 'entered_at', 'left_at'])
    .where('deal_id', '=', id)
    .orderBy('entered_at')
    .execute()
  return rows.map((r) => [r.stage, r.entered_at.slice(0, 10), r.left_at?.slice(0, 10) ?? null])
}

describe('Salesforce LastStageChangeDate', () => {
  it('an org that has it: the query selects it, and the stay of a move read without history begins on that date', async () => {
    const { stays: after, deal, before } = await movedWithoutHistory({})
    expect(after).toEqual([
      [before[0]?.[0], before[0]?.[1], '2024-05-10'],
      ['Qualification', '2024-05-10', null],
    ])
    expect(deal).toEqual({ stage: 'Qualification', stage_entered_date: '2024-05-10' })
    expect(soqlSent(fake as SalesforceFake).some((q) => /^SELECT .*\bLastStageChangeDate\b.* FROM Opportunity/.test(q))).toBe(true)
  })

  it('an org without it (describe leaves it out): never named in a query, and the stay begins at the last modification', async () => {
    const { stays: after, deal } = await movedWithoutHistory({ lacks: ['LastStageChangeDate'] })
    expect(after[after.length - 1]).toEqual(['Qualification', '2024-05-25', null])
    expect(deal.stage_entered_date).toBe('2024-05-25')
    expect(soqlSent(fake as SalesforceFake).some((q) => q.includes('LastStageChangeDate'))).toBe(false)
  })

  it('a server that does not describe, without the field: its INVALID_FIELD is learnt once, and every sync still reads the org', async () => {
    const { stays: after } = await movedWithoutHistory({ lacks: ['LastStageChangeDate'], noDescribe: true })
    expect(after[after.length - 1]).toEqual(['Qualification', '2024-05-25', null])
    const f = fake as SalesforceFake
    const refused = f.requests.filter((r) => r.status === 400)
    // One probe refused on the first sync; the watermark keeps the answer, so the second asks nothing.
    expect(refused).toHaveLength(1)
    expect(soqlSent(f).filter((q) => q.includes('LastStageChangeDate'))).toHaveLength(1)
  })

  it('an org that lacked it and gains it: asked again a week after its "no", not at every sync, and then selected', async () => {
    const opps = generateOpportunities(5, { seed: 5 })
    for (const noDescribe of [false, true]) {
      fake = await startSalesforceFake({
        opportunities: opps,
        lacks: ['LastStageChangeDate'],
        noDescribe,
        now: () => Date.UTC(2024, 4, 20),
      })
      const f = fake
      store = await openTestStore()
      const day = (n: number) => Date.UTC(2024, 5, 1) + n * 86_400_000
      const selects = () => soqlSent(f).filter((q) => /^SELECT .*LastStageChangeDate.* FROM Opportunity .*ORDER BY/.test(q)).length
      const asks = () => f.requests.filter((r) => r.path.endsWith('/sobjects/Opportunity/describe') || r.path.includes('LIMIT%201')).length
      await syncCrm(store, source(f, day(0)))
      const asked = asks()
      expect(asked).toBeGreaterThan(0)
      // The admin enables the field the next day; syncs within the week keep the watermark's "no".
      f.gainField('LastStageChangeDate')
      await syncCrm(store, source(f, day(1)))
      await syncCrm(store, source(f, day(6)))
      expect(asks()).toBe(asked)
      expect(selects()).toBe(0)
      // A week after the "no": asked again, and from then on selected, without asking again.
      await syncCrm(store, source(f, day(7)))
      const selected = selects()
      const askedAgain = asks()
      expect(selected).toBeGreaterThan(0)
      expect(askedAgain).toBeGreaterThan(asked)
      await syncCrm(store, source(f, day(30)))
      expect(selects()).toBeGreaterThan(selected)
      expect(asks()).toBe(askedAgain)
      await fake.close()
      await store.close()
      fake = undefined
      store = undefined
    }
  })

  it('a server that does not describe and refuses the one-row question for another reason: the field is not taken to be missing', async () => {
    const opps = generateOpportunities(5, { seed: 5 })
    fake = await startSalesforceFake({ opportunities: opps, noDescribe: true, now: () => Date.UTC(2024, 4, 20) })
    // A server that does not read LIMIT (a test double, a proxy) refuses the question with MALFORMED_QUERY.
    fake.failNext({ path: /LIMIT%201/ }, { status: 400, body: [{ message: "unexpected token: 'LIMIT'", errorCode: 'MALFORMED_QUERY' }] })
    store = await openTestStore()
    expect((await syncCrm(store, source(fake))).deals).toBe(5)
    expect(soqlSent(fake).filter((q) => /^SELECT .*LastStageChangeDate.* FROM Opportunity ORDER BY/.test(q))).toEqual([])
    // Asked again by the next sync, which it answers: from then on the field is selected.
    await syncCrm(store, source(fake))
    expect(soqlSent(fake).filter((q) => q.endsWith('LIMIT 1'))).toHaveLength(2)
    expect(soqlSent(fake).some((q) => /^SELECT .*LastStageChangeDate.* FROM Opportunity .*ORDER BY/.test(q))).toBe(true)
  })

  it('a server that fails the one-row question (5xx) is asked it once, not retried: the sync is not held up, and the next sync asks again', async () => {
    const opps = generateOpportunities(5, { seed: 5 })
    fake = await startSalesforceFake({ opportunities: opps, noDescribe: true, now: () => Date.UTC(2024, 4, 20) })
    // A test double that answers what it does not know with a server error, however often asked.
    fake.failNext({ path: /LIMIT%201/ }, { status: 500, body: [{ message: 'unknown request', errorCode: 'UNKNOWN_EXCEPTION' }] }, 20)
    store = await openTestStore()
    expect((await syncCrm(store, source(fake))).deals).toBe(5)
    expect(soqlSent(fake).filter((q) => q.endsWith('LIMIT 1'))).toHaveLength(1)
    expect(soqlSent(fake).filter((q) => /^SELECT .*LastStageChangeDate.* FROM Opportunity ORDER BY/.test(q))).toEqual([])
    await syncCrm(store, source(fake))
    expect(soqlSent(fake).filter((q) => q.endsWith('LIMIT 1'))).toHaveLength(2)
  })

  it('a server that does not describe, with the field: a query naming it is answered, so it is selected', async () => {
    const { stays: after } = await movedWithoutHistory({ noDescribe: true })
    expect(after[after.length - 1]).toEqual(['Qualification', '2024-05-10', null])
  })
})

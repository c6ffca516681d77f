import { afterEach, describe, expect, it, vi } from 'vitest'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import { staysFromChanges, toIsoInstant } from '../../src/crm/stage-stays.js'
import type { Store } from '../../src/db/open-store.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import type { FakeServerBase } from '../fakes/crm-fake-server.js'
import { startHubspotFake } from '../fakes/hubspot-fake.js'
import { type FakeOpportunity, startSalesforceFake } from '../fakes/salesforce-fake.js'
import { openTestStore } from '../helpers/test-store.js'
import { timeInStageDays } from '../helpers/time-in-stage-days.js'
import { virtualClock } from '../helpers/virtual-clock.js'

let fake: FakeServerBase | undefined
let store: Store | undefined
afterEach(async () => {
  vi.unstubAllEnvs()
  await fake?.close()
  await store?.close()
})

const DAY = 86_400

async function storedStays(s: Store, dealId: string) {
  const rows = await s.db.selectFrom('stage_history').selectAll().where('deal_id', '=', dealId).orderBy('entered_at').execute()
  return rows.map((r) => ({ dealId: r.deal_id, stage: r.stage, enteredAt: r.entered_at, leftAt: r.left_at }))
}

// Syncs `opp` alone from a Salesforce fake (as on 2024-06-01) into a new test store (closed after each test).
async function syncOpportunity(opp: FakeOpportunity, historyAnswer?: 'page' | 'array'): Promise<Store> {
  const sf = await startSalesforceFake({ opportunities: [opp], historyAnswer })
  fake = sf
  const synced = await openTestStore()
  store = synced
  await syncCrm(
    synced,
    createSalesforceSource({
      url: sf.url,
      clientId: sf.clientId,
      clientSecret: sf.clientSecret,
      segments: { region: 'Account.BillingCountry', industry: 'Account.Industry', productType: 'Type', leadSource: 'LeadSource' },
      clock: virtualClock(Date.UTC(2024, 5, 1)),
    }),
  )
  return synced
}

describe('stage stays and time in stage', () => {
  it('sorts changes, collapses repeats of one stage and chains each stay to the next', () => {
    const stays = staysFromChanges('D', [
      { stage: 'Demo', at: '2024-01-05T00:00:00.000Z' },
      { stage: 'Qualified', at: '2024-01-01T00:00:00.000Z' },
      { stage: 'Qualified', at: '2024-01-03T00:00:00.000Z' },
      { stage: 'Demo', at: '2024-01-06T00:00:00.000Z' },
    ])
    expect(stays).toEqual([
      { dealId: 'D', stage: 'Qualified', enteredAt: '2024-01-01T00:00:00.000Z', leftAt: '2024-01-05T00:00:00.000Z' },
      { dealId: 'D', stage: 'Demo', enteredAt: '2024-01-05T00:00:00.000Z', leftAt: null },
    ])
    expect(toIsoInstant('2024-05-01T08:03:41.000+0000')).toBe('2024-05-01T08:03:41.000Z')
    expect(toIsoInstant('1714521600000')).toBe('2024-05-01T00:00:00.000Z')
  })

  it.each(['America/Los_Angeles', 'Pacific/Auckland', 'UTC'])(
    'reads a change time without an offset on the PULSE_TZ clock, whatever the machine zone (%s)',
    (machineZone) => {
      vi.stubEnv('TZ', machineZone)
      const stays = staysFromChanges(
        'D',
        [
          { stage: 'Qualified', at: '2024-04-01' },
          { stage: 'Demo', at: '2024-04-19T23:30:00' },
          { stage: 'Proposal', at: '2024-04-22 08:15' },
        ],
        'Europe/Berlin',
      )
      expect(stays.map((s) => [s.stage, s.enteredAt])).toEqual([
        ['Qualified', '2024-04-01T00:00:00.000+02:00'],
        ['Demo', '2024-04-19T23:30:00.000+02:00'],
        ['Proposal', '2024-04-22T08:15:00.000+02:00'],
      ])
    },
  )

  it('reads every offset form, and a time the clocks skip or repeat on the PULSE_TZ clock', () => {
    expect(toIsoInstant('2024-03-10T23:30:00+00')).toBe('2024-03-10T23:30:00.000Z')
    expect(toIsoInstant('2024-03-10 18:30:00-05')).toBe('2024-03-10T23:30:00.000Z')
    expect(toIsoInstant('2024-03-11T05:00:00+0530')).toBe('2024-03-10T23:30:00.000Z')
    expect(toIsoInstant('2024-03-10T23:30:00')).toBe('2024-03-10T23:30:00.000Z')
    // 02:30 does not exist in New York on 2024-03-10 (read as 03:30 EDT); 01:30 on 2024-11-03 is read as its first pass (EDT).
    expect(toIsoInstant('2024-03-10T02:30:00', 'America/New_York')).toBe('2024-03-10T07:30:00.000Z')
    expect(toIsoInstant('2024-11-03T01:30:00', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z')
    for (const notOne of ['99999999999999999', 'March 10, 2024 10:00', '2024-02-30T10:00:00']) expect(toIsoInstant(notOne)).toBeNull()
  })

  it('orders changes of one instant by their chain, and keeps the given order where the chain does not decide', () => {
    const at = '2024-01-05T00:00:00.000Z'
    const link = (from: string, to: string) => ({ from, to })
    const stages = (changes: Parameters<typeof staysFromChanges>[1]) => staysFromChanges('D', changes).map((s) => s.stage)
    const start = { stage: 'Qualified', at: '2024-01-01T00:00:00.000Z', chain: link('-', 'a') }
    // Linked a -> b -> c: Demo then Proposal, as listed in either order.
    const demo = { stage: 'Demo', at, chain: link('a', 'b') }
    const proposal = { stage: 'Proposal', at, chain: link('b', 'c') }
    expect(stages([start, proposal, demo])).toEqual(['Qualified', 'Demo', 'Proposal'])
    expect(stages([start, demo, proposal])).toEqual(['Qualified', 'Demo', 'Proposal'])
    // Only the stage changed (each row leaves what it found): the order given stands.
    const same = (stage: string) => ({ stage, at, chain: link('a', 'a') })
    expect(stages([start, same('Proposal'), same('Demo')])).toEqual(['Qualified', 'Proposal', 'Demo'])
    expect(stages([start, { stage: 'Proposal', at }, demo])).toEqual(['Qualified', 'Proposal', 'Demo'])
  })

  it('Salesforce: time in stage from OpportunityHistory (repeated rows collapsed) matches hand-computed values', async () => {
    // The reference fixture's history: Prospecting, Prospecting (amount change), Qualification, Closed Won.
    const opp: FakeOpportunity = {
      Id: '006XX000004TmiQYAS',
      Name: 'Acme Corp – Platform renewal',
      Amount: 48000,
      StageName: 'Closed Won',
      CloseDate: '2024-05-01',
      CreatedDate: '2024-04-02T09:14:22.000+0000',
      IsClosed: true,
      IsWon: true,
      OwnerId: '005XX000001SvogYAC',
      LastActivityDate: '2024-04-30',
      LastModifiedDate: '2024-05-01T12:00:03.000+0000',
      SystemModstamp: '2024-05-01T12:00:04.000+0000',
      Type: 'Existing Business',
      LeadSource: 'Web',
      AccountId: '001XX000003DHPhYAO',
      IsDeleted: false,
      history: [
        { Id: 'h1', StageName: 'Prospecting', Amount: 40000, CloseDate: '2024-06-30', CreatedDate: '2024-04-02T09:14:22.000+0000' },
        { Id: 'h2', StageName: 'Prospecting', Amount: 48000, CloseDate: '2024-06-28', CreatedDate: '2024-04-10T10:00:00.000+0000' },
        { Id: 'h3', StageName: 'Qualification', Amount: 48000, CloseDate: '2024-06-28', CreatedDate: '2024-04-19T11:00:05.000+0000' },
        { Id: 'h4', StageName: 'Closed Won', Amount: 48000, CloseDate: '2024-05-01', CreatedDate: '2024-05-01T12:00:03.000+0000' },
      ],
    }
    store = await syncOpportunity(opp)
    const stays = await storedStays(store, opp.Id)
    expect(stays.map((s) => s.stage)).toEqual(['Prospecting', 'Qualification', 'Closed Won'])
    const days = timeInStageDays(stays, '2024-06-01T00:00:00Z')
    // Prospecting: 2024-04-02 09:14:22 -> 2024-04-19 11:00:05 = 17 d 1 h 45 min 43 s.
    expect(days.get('Prospecting')).toBeCloseTo(17 + (1 * 3600 + 45 * 60 + 43) / DAY, 9)
    // Qualification: 2024-04-19 11:00:05 -> 2024-05-01 12:00:03 = 12 d 0 h 59 min 58 s.
    expect(days.get('Qualification')).toBeCloseTo(12 + (59 * 60 + 58) / DAY, 9)
    // Closed Won is still open on 2024-06-01: 30 d 11 h 59 min 57 s.
    expect(days.get('Closed Won')).toBeCloseTo(30 + (11 * 3600 + 59 * 60 + 57) / DAY, 9)
  })

  it('HubSpot: a deal that re-enters a stage accumulates both stays', async () => {
    const hs = await startHubspotFake({
      deals: [
        {
          id: '18234567001',
          createdAt: '2024-01-01T00:00:00.000Z',
          archived: false,
          history: [
            { value: 'appointmentscheduled', timestamp: '2024-01-01T00:00:00.000Z' },
            { value: 'qualifiedtobuy', timestamp: '2024-01-11T12:00:00.000Z' },
            { value: 'appointmentscheduled', timestamp: '2024-01-15T00:00:00.000Z' },
            { value: 'closedlost', timestamp: '2024-01-20T06:00:00.000Z' },
          ],
          properties: {
            dealname: 'Globex – Pilot',
            amount: '12500.5',
            dealstage: 'closedlost',
            pipeline: 'default',
            createdate: '2024-01-01T00:00:00.000Z',
            closedate: '2024-01-20T06:00:00.000Z',
            hs_lastmodifieddate: '2024-01-20T06:00:01.000Z',
            hs_is_closed: 'true',
            hs_is_closed_won: 'false',
            hubspot_owner_id: '61234501',
          },
        },
      ],
    })
    fake = hs
    store = await openTestStore()
    await syncCrm(
      store,
      createHubspotSource({
        token: hs.token,
        baseUrl: hs.url,
        segments: { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' },
        clock: virtualClock(Date.UTC(2024, 5, 1)),
      }),
    )
    const days = timeInStageDays(await storedStays(store, '18234567001'), '2024-01-20T06:00:00Z')
    expect(days.get('Appointment Scheduled')).toBeCloseTo(10.5 + 5.25, 9)
    expect(days.get('Qualified To Buy')).toBeCloseTo(3.5, 9)
    const deal = await store.db.selectFrom('deals').selectAll().executeTakeFirstOrThrow()
    // Lost at the last open stage it was in, with the amount and close date from HubSpot.
    expect([deal.outcome, deal.stage, deal.lost_at_stage, deal.amount, deal.closed_date, deal.owner_email]).toEqual([
      'lost',
      'Appointment Scheduled',
      'Appointment Scheduled',
      12500.5,
      '2024-01-20',
      'ana.ruiz@example.com',
    ])
  })

  it("HubSpot: stage changes sharing a millisecond (a workflow) end in the deal's own stage, lost at the last open one", async () => {
    const at = '2024-02-01T10:00:00.000Z'
    const deal = (id: string, stages: string[], dealstage: string, won: boolean) => ({
      id,
      createdAt: '2024-01-01T00:00:00.000Z',
      archived: false,
      history: [
        { value: 'appointmentscheduled', timestamp: '2024-01-01T00:00:00.000Z' },
        ...stages.map((value) => ({ value, timestamp: at })),
      ],
      properties: {
        dealname: id,
        amount: '60000',
        dealstage,
        pipeline: 'default',
        createdate: '2024-01-01T00:00:00.000Z',
        closedate: at,
        hs_lastmodifieddate: '2024-02-01T10:00:01.000Z',
        hs_is_closed: 'true',
        hs_is_closed_won: String(won),
        hubspot_owner_id: '61234501',
      },
    })
    // The fake lists each history newest first, as HubSpot does.
    const hs = await startHubspotFake({
      deals: [
        deal('18234567101', ['contractsent', 'closedwon'], 'closedwon', true),
        deal('18234567102', ['qualifiedtobuy', 'contractsent', 'closedlost'], 'closedlost', false),
      ],
    })
    fake = hs
    store = await openTestStore()
    await syncCrm(
      store,
      createHubspotSource({
        token: hs.token,
        baseUrl: hs.url,
        segments: { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' },
        clock: virtualClock(Date.UTC(2024, 5, 1)),
      }),
    )
    const won = await storedStays(store, '18234567101')
    expect(won.filter((s) => s.leftAt === null).map((s) => s.stage)).toEqual(['Closed Won'])
    expect(won.find((s) => s.stage === 'Contract Sent')).toMatchObject({ enteredAt: at, leftAt: at })
    const lost = await storedStays(store, '18234567102')
    expect(lost.filter((s) => s.leftAt === null).map((s) => s.stage)).toEqual(['Closed Lost'])
    const rows = await store.db
      .selectFrom('deals')
      .select(['deal_id', 'outcome', 'lost_at_stage', 'stage_entered_date'])
      .orderBy('deal_id')
      .execute()
    expect(rows).toEqual([
      { deal_id: '18234567101', outcome: 'won', lost_at_stage: null, stage_entered_date: '2024-02-01' },
      { deal_id: '18234567102', outcome: 'lost', lost_at_stage: 'Contract Sent', stage_entered_date: '2024-02-01' },
    ])
  })

  it("Salesforce: OpportunityHistory rows sharing a second, in any order, end in the opportunity's StageName", async () => {
    // Salesforce orders by CreatedDate only: rows written in the same second come back in no set order.
    const opp: FakeOpportunity = {
      Id: '006XX000004TmiRYAS',
      Name: 'Globex – Pilot',
      Amount: 60000,
      StageName: 'Closed Won',
      CloseDate: '2024-05-01',
      CreatedDate: '2024-04-02T09:14:22.000+0000',
      IsClosed: true,
      IsWon: true,
      OwnerId: '005XX000001SvogYAC',
      LastActivityDate: null,
      LastModifiedDate: '2024-05-01T12:00:03.000+0000',
      SystemModstamp: '2024-05-01T12:00:03.000+0000',
      Type: 'New Business',
      LeadSource: 'Web',
      AccountId: '001XX000003DHPhYAO',
      IsDeleted: false,
      history: [
        { Id: 'h1', StageName: 'Prospecting', Amount: 60000, CloseDate: '2024-06-30', CreatedDate: '2024-04-02T09:14:22.000+0000' },
        { Id: 'h3', StageName: 'Closed Won', Amount: 60000, CloseDate: '2024-05-01', CreatedDate: '2024-05-01T12:00:03.000+0000' },
        { Id: 'h2', StageName: 'Negotiation/Review', Amount: 60000, CloseDate: '2024-05-01', CreatedDate: '2024-05-01T12:00:03.000+0000' },
      ],
    }
    store = await syncOpportunity(opp)
    const stays = await storedStays(store, opp.Id)
    expect(stays.filter((s) => s.leftAt === null).map((s) => s.stage)).toEqual(['Closed Won'])
    const deal = await store.db.selectFrom('deals').select(['stage', 'stage_entered_date']).executeTakeFirstOrThrow()
    expect(deal).toEqual({ stage: 'Closed Won', stage_entered_date: '2024-05-01' })
  })

  it('Salesforce: rows of one second come out in the order written, whatever order the server lists them in, when their Prev fields link them', async () => {
    // A save raised the amount and moved the deal to Qualification; a flow then moved it on to
    // Proposal and set a new close date within the same second. Each row's PrevAmount and
    // PrevCloseDate are the row before's Amount and CloseDate: they say which came first.
    const at = (day: string) => `2024-04-${day}T10:00:00.000+0000`
    const rows = {
      prospecting: { Id: 'h1', StageName: 'Prospecting', Amount: 50000, CloseDate: '2024-06-30', CreatedDate: at('02') },
      qualification: {
        Id: 'h2',
        StageName: 'Qualification',
        Amount: 60000,
        CloseDate: '2024-06-30',
        CreatedDate: at('10'),
        PrevAmount: 50000,
        PrevCloseDate: '2024-06-30',
      },
      proposal: {
        Id: 'h3',
        StageName: 'Proposal/Price Quote',
        Amount: 60000,
        CloseDate: '2024-06-15',
        CreatedDate: at('10'),
        PrevAmount: 60000,
        PrevCloseDate: '2024-06-30',
      },
      negotiation: {
        Id: 'h4',
        StageName: 'Negotiation/Review',
        Amount: 60000,
        CloseDate: '2024-06-15',
        CreatedDate: at('20'),
        PrevAmount: 60000,
        PrevCloseDate: '2024-06-15',
      },
    }
    const opp = (history: FakeOpportunity['history']): FakeOpportunity => ({
      Id: '006XX000004TmiSYAS',
      Name: 'Initech – Rollout',
      Amount: 60000,
      StageName: 'Negotiation/Review',
      CloseDate: '2024-06-15',
      CreatedDate: '2024-04-02T10:00:00.000+0000',
      IsClosed: false,
      IsWon: false,
      OwnerId: '005XX000001SvogYAC',
      LastActivityDate: null,
      LastModifiedDate: at('20'),
      SystemModstamp: at('20'),
      Type: 'New Business',
      LeadSource: 'Web',
      AccountId: '001XX000003DHPhYAO',
      IsDeleted: false,
      history,
    })
    const { prospecting, qualification, proposal, negotiation } = rows
    const expected = [
      { stage: 'Prospecting', enteredAt: '2024-04-02T10:00:00.000Z', leftAt: '2024-04-10T10:00:00.000Z' },
      { stage: 'Qualification', enteredAt: '2024-04-10T10:00:00.000Z', leftAt: '2024-04-10T10:00:00.000Z' },
      { stage: 'Proposal/Price Quote', enteredAt: '2024-04-10T10:00:00.000Z', leftAt: '2024-04-20T10:00:00.000Z' },
      { stage: 'Negotiation/Review', enteredAt: '2024-04-20T10:00:00.000Z', leftAt: null },
    ]
    for (const historyAnswer of ['page', 'array'] as const) {
      for (const listed of [
        [prospecting, qualification, proposal, negotiation],
        [prospecting, proposal, qualification, negotiation],
      ]) {
        store = await syncOpportunity(opp(listed), historyAnswer)
        const stays = (await storedStays(store, '006XX000004TmiSYAS')).map(({ dealId: _, ...s }) => s)
        expect(stays.sort((a, b) => a.enteredAt.localeCompare(b.enteredAt) || (a.leftAt ?? '~').localeCompare(b.leftAt ?? '~'))).toEqual(
          expected,
        )
        await fake?.close()
        await store.close()
        fake = undefined
        store = undefined
      }
    }
  })
})

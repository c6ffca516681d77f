import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { type FakeHubspotDeal, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { hubspotFakeDeal } from '../helpers/hubspot-fake-deal.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'
import { type DocsSalesforceFake, docsOpportunities, sfTime, startDocsSalesforceFake } from './docs-salesforce-fake.js'

// A deal synced once with its stage history, then again (modified in the CRM) without any: the CRM
// left `propertiesWithHistory` out, or Salesforce's OpportunityHistory query returned no row for it.
// `pulse sync` is driven through the CLI with only the contract's variables, as an outside check does.

// The CLI reads its configuration once a process: both fakes run for the whole file, each test syncs a store of its own.
let hs: HubspotFake
let sf: DocsSalesforceFake
beforeAll(async () => {
  hs = await startHubspotFake({ deals: [] })
  sf = await startDocsSalesforceFake({ opportunities: [], history: [] })
  process.env.HUBSPOT_TOKEN = hs.token
  process.env.HUBSPOT_API_URL = hs.url
  process.env.SALESFORCE_URL = sf.url
  process.env.SALESFORCE_CLIENT_ID = sf.clientId
  process.env.SALESFORCE_CLIENT_SECRET = sf.clientSecret
  process.env.PULSE_AS_OF = '2024-06-01'
})
afterAll(async () => {
  await hs.close()
  await sf.close()
})

async function stored(db: string, id: string) {
  const store = await openStore({ path: db })
  try {
    const deal = await store.db
      .selectFrom('deals')
      .select(['outcome', 'stage', 'lost_at_stage'])
      .where('deal_id', '=', id)
      .executeTakeFirstOrThrow()
    const history = await store.db.selectFrom('stage_history').select('stage').where('deal_id', '=', id).orderBy('entered_at').execute()
    return { ...deal, history: history.map((h) => h.stage) }
  } finally {
    await store.close()
  }
}

async function lossesByStage(db: string) {
  const run = await runCli('report', 'losses', '--db', db, '--json')
  expect(run.code, run.stderr).toBe(0)
  return (JSON.parse(run.stdout).stages as Array<{ stage: string; lost: number }>).map((s) => [s.stage, s.lost])
}

const lostDeal = (id: string, steps: Array<[string, string]>) => hubspotFakeDeal(id, steps, { closed: 'lost' })

describe('pulse sync of a lost deal that comes again without its stage history', () => {
  it('HubSpot: keeps the stage it was lost at and its history, and does not count it as lost at Closed Lost', async () => {
    hs.addDeal(
      lostDeal('101', [
        ['appointmentscheduled', '2024-01-10'],
        ['contractsent', '2024-02-01'],
        ['closedlost', '2024-03-01'],
      ]),
    )
    hs.addDeal(
      lostDeal('102', [
        ['appointmentscheduled', '2024-01-10'],
        ['qualifiedtobuy', '2024-02-01'],
        ['closedlost', '2024-03-02'],
      ]),
    )
    const db = join(tempDir(), 'pulse.db')
    const first = await runCli('sync', '--source', 'hubspot', '--db', db, '--json')
    expect(first.code, first.stderr).toBe(0)
    const before = await lossesByStage(db)
    expect(before).toEqual([
      ['Contract Sent', 1],
      ['Qualified To Buy', 1],
    ])

    // Renamed in HubSpot, and its batch read now leaves the history out.
    const d = hs.deals.get('101') as FakeHubspotDeal
    d.withoutHistory = true
    hs.updateDeal('101', { dealname: 'Deal 101 (renamed)' })
    const second = await runCli('sync', '--source', 'hubspot', '--db', db, '--json')
    expect(second.code, second.stderr).toBe(0)
    const summary = JSON.parse(second.stdout)
    expect(summary.deals).toBe(1)
    expect(summary.lostAtClosedStage).toBeUndefined()
    expect(await stored(db, '101')).toEqual({
      outcome: 'lost',
      stage: 'Contract Sent',
      lost_at_stage: 'Contract Sent',
      history: ['Appointment Scheduled', 'Contract Sent', 'Closed Lost'],
    })
    expect(await lossesByStage(db)).toEqual(before)
  })

  it('Salesforce: keeps the stage it was lost at and its history when OpportunityHistory returns no row for it', async () => {
    const data = docsOpportunities(3)
    const lost = data.opportunities[1] as (typeof data.opportunities)[number]
    expect(lost.StageName).toBe('Closed Lost')
    sf.options = { ...data }
    const db = join(tempDir(), 'pulse.db')
    const first = await runCli('sync', '--source', 'salesforce', '--db', db, '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(await stored(db, lost.Id)).toMatchObject({ stage: 'Qualification', lost_at_stage: 'Qualification' })
    const before = await lossesByStage(db)
    expect(before).toEqual([['Qualification', 1]])

    // Modified an hour later; its history rows are no longer returned.
    const later = sfTime(Date.UTC(2024, 4, 1, 9))
    sf.options = {
      ...data,
      opportunities: data.opportunities.map((o) =>
        o.Id === lost.Id ? { ...o, Name: 'Renamed', SystemModstamp: later, LastModifiedDate: later } : o,
      ),
      history: data.history.filter((h) => h.OpportunityId !== lost.Id),
    }
    const second = await runCli('sync', '--source', 'salesforce', '--db', db, '--json')
    expect(second.code, second.stderr).toBe(0)
    const summary = JSON.parse(second.stdout)
    expect(summary.deals).toBe(1)
    expect(summary.lostAtClosedStage).toBeUndefined()
    expect(await stored(db, lost.Id)).toEqual({
      outcome: 'lost',
      stage: 'Qualification',
      lost_at_stage: 'Qualification',
      history: ['Prospecting', 'Qualification', 'Closed Lost'],
    })
    expect(await lossesByStage(db)).toEqual(before)
  })

  it('a deal stored open, then lost without history, is lost at the last open stage the store knows it in; one never stored, at Closed Lost', async () => {
    hs.addDeal(
      lostDeal('201', [
        ['appointmentscheduled', '2024-01-10'],
        ['contractsent', '2024-02-01'],
        ['closedlost', '2024-03-01'],
      ]),
    )
    const open = lostDeal('202', [
      ['appointmentscheduled', '2024-01-10'],
      ['presentationscheduled', '2024-02-01'],
    ])
    Object.assign(open.properties, { hs_is_closed: 'false', closedate: null })
    hs.addDeal(open)
    const db = join(tempDir(), 'pulse.db')
    expect((await runCli('sync', '--source', 'hubspot', '--db', db)).code).toBe(0)
    // 201 is reopened at Qualified To Buy (a sync reads that, with its history).
    hs.updateDeal('201', { dealstage: 'qualifiedtobuy' })
    expect((await runCli('sync', '--source', 'hubspot', '--db', db)).code).toBe(0)
    expect(await stored(db, '201')).toMatchObject({ outcome: 'open', stage: 'Qualified To Buy' })
    // Both are lost now, and their batch reads leave the history out; 203 is new, lost, without history.
    for (const id of ['201', '202']) {
      ;(hs.deals.get(id) as FakeHubspotDeal).withoutHistory = true
      hs.updateDeal(id, { dealstage: 'closedlost' })
    }
    const fresh = lostDeal('203', [
      ['appointmentscheduled', '2024-01-10'],
      ['closedlost', '2024-03-01'],
    ])
    hs.addDeal({ ...fresh, withoutHistory: true, properties: { ...fresh.properties, hs_lastmodifieddate: new Date().toISOString() } })
    const run = await runCli('sync', '--source', 'hubspot', '--db', db, '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).lostAtClosedStage).toEqual([{ stage: 'Closed Lost', deals: 1 }])
    expect(await stored(db, '201')).toEqual({
      outcome: 'lost',
      stage: 'Qualified To Buy',
      lost_at_stage: 'Qualified To Buy',
      // Its open stay at Qualified To Buy ends when it was lost, as a CSV import records the change.
      history: ['Appointment Scheduled', 'Contract Sent', 'Closed Lost', 'Qualified To Buy', 'Closed Lost'],
    })
    expect(await stored(db, '202')).toMatchObject({ outcome: 'lost', lost_at_stage: 'Presentation Scheduled' })
    expect(await stored(db, '203')).toMatchObject({ outcome: 'lost', lost_at_stage: 'Closed Lost', history: [] })
  })
})

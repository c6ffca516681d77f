import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { type FakeHubspotDeal, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { describeEachDialect, durableStoreOptions } from '../helpers/each-dialect.js'
import { hubspotFakeDeal, hubspotNoon } from '../helpers/hubspot-fake-deal.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { schemaScopedUrl } from '../helpers/schema-scoped-url.js'
import { tempDir } from '../helpers/test-store.js'
import { type DocsSalesforceFake, docsOpportunities, sfTime, startDocsSalesforceFake } from './docs-salesforce-fake.js'

// A deal synced once with its stage history, then again in another stage without any (HubSpot's
// batch read without `propertiesWithHistory`): `pulse sync` records the change as a CSV import
// does, closing the open stay and opening one in the new stage (Salesforce: no `OpportunityHistory`
// row for it any more). Driven as child processes with
// only the contract's variables, on SQLite and PostgreSQL.

let hs: HubspotFake
let sf: DocsSalesforceFake
beforeAll(async () => {
  hs = await startHubspotFake({ deals: [] })
  sf = await startDocsSalesforceFake({ opportunities: [], history: [], strictFields: true })
})
afterAll(async () => {
  await hs.close()
  await sf.close()
})

const day = hubspotNoon
const openDeal = (id: string, steps: Array<[string, string]>) => hubspotFakeDeal(id, steps, { amount: '50000', lastActivity: '2024-01-10' })

describeEachDialect('pulse sync of an open deal whose stage changed, without stage history', (dialect) => {
  let options: ReturnType<typeof durableStoreOptions>
  let env: Record<string, string>
  let store: Store | undefined
  beforeAll(async () => {
    options = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
    const base = {
      HUBSPOT_TOKEN: hs.token,
      HUBSPOT_API_URL: hs.url,
      SALESFORCE_URL: sf.url,
      SALESFORCE_CLIENT_ID: sf.clientId,
      SALESFORCE_CLIENT_SECRET: sf.clientSecret,
      PULSE_AS_OF: '2024-06-01',
    }
    if (options.url) {
      store = await openStore(options)
      const url = schemaScopedUrl(options.url, String(options.schema))
      env = { ...base, PULSE_DATABASE_URL: url }
    } else env = { ...base, PULSE_DATABASE_URL: '' }
  })
  afterAll(async () => {
    if (store && options.schema) {
      const { dropTestSchema } = await import('../helpers/each-dialect.js')
      await dropTestSchema(store.db, options.schema)
      await store.close()
    }
  })

  const pulse = async (...args: string[]) => {
    const run = spawnPulse(options.url ? args : [...args, '--db', options.path], env)
    const code = await run.exited
    expect(code, run.stderr).toBe(0)
    return JSON.parse(run.stdout)
  }
  const history = async (id: string) => {
    const s = store ?? (await openStore(options))
    try {
      const rows = await s.db
        .selectFrom('stage_history')
        .select(['stage', 'entered_at', 'left_at'])
        .where('deal_id', '=', id)
        .orderBy('entered_at')
        .orderBy('stage')
        .execute()
      return rows.map((r) => [r.stage, r.entered_at.slice(0, 10), r.left_at?.slice(0, 10) ?? null])
    } finally {
      if (s !== store) await s.close()
    }
  }

  it('closes the open stay and opens one in the new stage, dated by the CRM; a closed deal at its close date', async () => {
    const p = `${dialect.name === 'sqlite' ? 4 : 5}0`
    const ids = { ahead: `${p}1`, back: `${p}2`, won: `${p}3`, lost: `${p}4` }
    hs.addDeal(
      openDeal(ids.ahead, [
        ['appointmentscheduled', '2024-01-10'],
        ['qualifiedtobuy', '2024-02-01'],
      ]),
    )
    hs.addDeal(
      openDeal(ids.back, [
        ['appointmentscheduled', '2024-01-10'],
        ['qualifiedtobuy', '2024-01-20'],
        ['contractsent', '2024-02-10'],
      ]),
    )
    hs.addDeal(
      openDeal(ids.won, [
        ['appointmentscheduled', '2024-01-10'],
        ['contractsent', '2024-02-10'],
      ]),
    )
    hs.addDeal(
      openDeal(ids.lost, [
        ['appointmentscheduled', '2024-01-10'],
        ['decisionmakerboughtin', '2024-02-10'],
      ]),
    )
    await pulse('sync', '--source', 'hubspot', '--json')

    for (const id of Object.values(ids)) (hs.deals.get(id) as FakeHubspotDeal).withoutHistory = true
    // Ahead, dated by its stage-entered property; back to a stage whose legacy property holds its first entry
    // (before the stored history), so its modification date; won and lost, closed on April 15.
    hs.updateDeal(
      ids.ahead,
      { dealstage: 'presentationscheduled', hs_v2_date_entered_presentationscheduled: day('2024-03-05') },
      Date.UTC(2024, 3, 1),
    )
    hs.updateDeal(ids.back, { dealstage: 'qualifiedtobuy', hs_date_entered_qualifiedtobuy: day('2024-01-20') }, Date.UTC(2024, 2, 20, 12))
    hs.updateDeal(ids.won, { dealstage: 'closedwon', closedate: day('2024-04-15') }, Date.UTC(2024, 3, 20))
    hs.updateDeal(ids.lost, { dealstage: 'closedlost', closedate: day('2024-04-15') }, Date.UTC(2024, 3, 20))
    await pulse('sync', '--source', 'hubspot', '--full', '--json')

    expect(await history(ids.ahead)).toEqual([
      ['Appointment Scheduled', '2024-01-10', '2024-02-01'],
      ['Qualified To Buy', '2024-02-01', '2024-03-05'],
      ['Presentation Scheduled', '2024-03-05', null],
    ])
    expect(await history(ids.back)).toEqual([
      ['Appointment Scheduled', '2024-01-10', '2024-01-20'],
      ['Qualified To Buy', '2024-01-20', '2024-02-10'],
      ['Contract Sent', '2024-02-10', '2024-03-20'],
      ['Qualified To Buy', '2024-03-20', null],
    ])
    expect(await history(ids.won)).toEqual([
      ['Appointment Scheduled', '2024-01-10', '2024-02-10'],
      ['Contract Sent', '2024-02-10', '2024-04-15'],
      ['Closed Won', '2024-04-15', null],
    ])
    expect(await history(ids.lost)).toEqual([
      ['Appointment Scheduled', '2024-01-10', '2024-02-10'],
      ['Decision Maker Bought-In', '2024-02-10', '2024-04-15'],
      ['Closed Lost', '2024-04-15', null],
    ])

    // Reports read the new stays: the stage a deal is in as of a day, and the stages it reached.
    const stalled = await pulse('report', 'stalled', '--json')
    const stageOf = new Map((stalled.stalled as Array<{ dealId: string; stage: string }>).map((d) => [d.dealId, d.stage]))
    expect(stageOf.get(ids.ahead)).toBe('Presentation Scheduled')
    expect(stageOf.get(ids.back)).toBe('Qualified To Buy')
    const funnel = await pulse('report', 'funnel', '--json')
    const reached = new Map((funnel.stages as Array<{ stage: string; reached: number }>).map((s) => [s.stage, s.reached]))
    expect(reached.get('Presentation Scheduled')).toBeGreaterThanOrEqual(1)
  }, 120_000)

  it('Salesforce: an opportunity moved back a stage, whose history rows no longer come, changes stage at its LastModifiedDate', async () => {
    const data = docsOpportunities(3)
    const open = data.opportunities[2] as (typeof data.opportunities)[number]
    expect(open.StageName).toBe('Qualification')
    sf.options = { ...data, strictFields: true }
    await pulse('sync', '--source', 'salesforce', '--json')
    const before = await history(open.Id)
    expect(before.map((h) => h[0])).toEqual(['Prospecting', 'Qualification'])

    const later = sfTime(Date.UTC(2024, 4, 20, 9))
    sf.options = {
      ...data,
      strictFields: true,
      opportunities: data.opportunities.map((o) =>
        o.Id === open.Id ? { ...o, StageName: 'Prospecting', SystemModstamp: later, LastModifiedDate: later } : o,
      ),
      history: data.history.filter((h) => h.OpportunityId !== open.Id),
    }
    await pulse('sync', '--source', 'salesforce', '--json')
    expect(await history(open.Id)).toEqual([
      before[0],
      ['Qualification', before[1]?.[1], '2024-05-20'],
      ['Prospecting', '2024-05-20', null],
    ])
  }, 120_000)
})

import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { type FakeHubspotDeal, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { describeEachDialect, durableStoreOptions } from '../helpers/each-dialect.js'
import { hubspotFakeDeal } from '../helpers/hubspot-fake-deal.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { schemaScopedUrl } from '../helpers/schema-scoped-url.js'
import { tempDir } from '../helpers/test-store.js'

// A stage renamed in HubSpot (same stage id, new label) is no stage change: `pulse sync` reads every
// deal again, and a deal whose batch read comes without `propertiesWithHistory` keeps its stays,
// dated as before, under the new label, instead of having its stay closed on the sync day and a
// new one opened. Driven as child processes with only the contract's variables, on SQLite and PostgreSQL.

let hs: HubspotFake
beforeAll(async () => {
  hs = await startHubspotFake({ deals: [] })
})
afterAll(async () => {
  await hs.close()
})

describeEachDialect('pulse sync after a HubSpot stage was renamed, deals read without stage history', (dialect) => {
  let options: ReturnType<typeof durableStoreOptions>
  let env: Record<string, string>
  let store: Store | undefined
  beforeAll(async () => {
    options = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
    const base = { HUBSPOT_TOKEN: hs.token, HUBSPOT_API_URL: hs.url, PULSE_AS_OF: '2024-06-01' }
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
    return { json: JSON.parse(run.stdout), stderr: run.stderr }
  }
  const stored = async (id: string) => {
    const s = store ?? (await openStore(options))
    try {
      const stays = await s.db
        .selectFrom('stage_history')
        .select(['stage', 'entered_at', 'left_at'])
        .where('deal_id', '=', id)
        .orderBy('entered_at')
        .orderBy('stage')
        .execute()
      const deal = await s.db
        .selectFrom('deals')
        .select(['stage', 'stage_entered_date', 'lost_at_stage'])
        .where('deal_id', '=', id)
        .executeTakeFirstOrThrow()
      return { deal, stays: stays.map((r) => [r.stage, r.entered_at.slice(0, 10), r.left_at?.slice(0, 10) ?? null]) }
    } finally {
      if (s !== store) await s.close()
    }
  }

  it('the stays keep their dates under the new label, incremental and --full; a deal in another stage is left alone', async () => {
    hs.relabelStage('qualifiedtobuy', 'Qualified To Buy')
    hs.relabelStage('presentationscheduled', 'Presentation Scheduled')
    const p = dialect.name === 'sqlite' ? '7' : '8'
    const ids = { open: `${p}01`, lost: `${p}02`, later: `${p}03` }
    hs.addDeal(
      hubspotFakeDeal(
        ids.open,
        [
          ['appointmentscheduled', '2024-01-10'],
          ['qualifiedtobuy', '2024-02-01'],
        ],
        { amount: '50000', lastActivity: '2024-01-10' },
      ),
    )
    hs.addDeal(
      hubspotFakeDeal(
        ids.lost,
        [
          ['appointmentscheduled', '2024-01-10'],
          ['qualifiedtobuy', '2024-02-01'],
          ['closedlost', '2024-03-01'],
        ],
        { amount: '20000', lastActivity: '2024-01-10', closed: 'lost' },
      ),
    )
    hs.addDeal(
      hubspotFakeDeal(
        ids.later,
        [
          ['appointmentscheduled', '2024-01-10'],
          ['presentationscheduled', '2024-02-15'],
        ],
        { amount: '30000', lastActivity: '2024-01-10' },
      ),
    )
    await pulse('sync', '--source', 'hubspot', '--json')
    const before = await stored(ids.open)
    expect(before.stays).toEqual([
      ['Appointment Scheduled', '2024-01-10', '2024-02-01'],
      ['Qualified To Buy', '2024-02-01', null],
    ])
    expect((await stored(ids.lost)).deal.lost_at_stage).toBe('Qualified To Buy')

    // From now on HubSpot's batch read sends no stage history for them; the stage is renamed in settings.
    for (const id of Object.values(ids)) (hs.deals.get(id) as FakeHubspotDeal).withoutHistory = true
    hs.relabelStage('qualifiedtobuy', 'Qualified')
    const renamed = await pulse('sync', '--source', 'hubspot', '--json')
    expect(renamed.stderr).toContain('"Qualified To Buy" is now "Qualified"')
    expect(await stored(ids.open)).toEqual({
      deal: { stage: 'Qualified', stage_entered_date: '2024-02-01', lost_at_stage: null },
      stays: [
        ['Appointment Scheduled', '2024-01-10', '2024-02-01'],
        ['Qualified', '2024-02-01', null],
      ],
    })
    const lost = await stored(ids.lost)
    expect(lost.deal.lost_at_stage).toBe('Qualified')
    expect(lost.stays.map((s) => s[0])).toEqual(['Appointment Scheduled', 'Qualified', 'Closed Lost'])
    expect((await stored(ids.later)).stays.map((s) => s[0])).toEqual(['Appointment Scheduled', 'Presentation Scheduled'])

    // Reports see the deal in the new label since February 1, not since the sync.
    const stalled = (await pulse('report', 'stalled', '--json')).json
    const row = (stalled.stalled as Array<{ dealId: string; stage: string }>).find((d) => d.dealId === ids.open)
    expect(row?.stage).toBe('Qualified')

    // Renamed again, then a --full sync: the same, compared with the watermark the full sync replaced.
    hs.relabelStage('qualifiedtobuy', 'Qualified Lead')
    hs.relabelStage('presentationscheduled', 'Demo Booked')
    await pulse('sync', '--source', 'hubspot', '--full', '--json')
    expect((await stored(ids.open)).stays).toEqual([
      ['Appointment Scheduled', '2024-01-10', '2024-02-01'],
      ['Qualified Lead', '2024-02-01', null],
    ])
    expect(await stored(ids.later)).toEqual({
      deal: { stage: 'Demo Booked', stage_entered_date: '2024-02-15', lost_at_stage: null },
      stays: [
        ['Appointment Scheduled', '2024-01-10', '2024-02-15'],
        ['Demo Booked', '2024-02-15', null],
      ],
    })
  }, 120_000)
})

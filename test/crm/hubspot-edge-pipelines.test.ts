import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SegmentMapping } from '../../src/config.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { mergedDealIds } from '../../src/crm/hubspot/map-hubspot-deal.js'
import type { Store } from '../../src/db/open-store.js'
import { findStageOrder } from '../../src/db/save-stage-order.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { createLogger } from '../../src/log/create-logger.js'
import { loadReportContext } from '../../src/services/load-report-context.js'
import { openTestStore } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'
import { type DocsHubspotDeal, type DocsHubspotFake, startDocsHubspotFake } from './docs-hubspot-fake.js'

// Edge cases of real HubSpot portals, served by the docs-style fake: several pipelines whose
// stage labels repeat, deals without a stage or with an unknown one, formatted amounts, won deals
// without a close date, archived owners, and deals sharing the watermark's millisecond.
const SEGMENTS: SegmentMapping = { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' }
const RENEWALS = {
  id: '7654321',
  label: 'Renewals',
  stages: [
    ['1001', 'Appointment Scheduled', 'false', '0.3'],
    ['1002', 'Renewal Review', 'false', '0.6'],
    ['1003', 'Closed Won', 'true', '1.0'],
    ['1004', 'Closed Lost', 'true', '0.0'],
  ] as const,
}
const T0 = Date.UTC(2024, 4, 1, 8)
const iso = (ms: number) => new Date(ms).toISOString()
const DAY = 86_400_000

function deal(id: string, props: Record<string, string | null>, history: Array<[string, number]> = []): DocsHubspotDeal {
  return {
    id,
    history: history.map(([value, at]) => ({ value, timestamp: iso(at) })),
    properties: {
      dealname: `Deal ${id}`,
      amount: '1000',
      dealstage: 'qualifiedtobuy',
      pipeline: 'default',
      closedate: null,
      createdate: iso(T0 - 30 * DAY),
      hubspot_owner_id: '61234501',
      hs_lastmodifieddate: iso(T0),
      hs_is_closed: 'false',
      hs_is_closed_won: 'false',
      notes_last_updated: null,
      ...props,
    },
  }
}

let fake: DocsHubspotFake
let store: Store
beforeAll(async () => {
  fake = await startDocsHubspotFake({ deals: [] })
})
afterAll(async () => {
  await fake.close()
})

const source = (extra: { pageSize?: number; pipeline?: string; segments?: SegmentMapping } = {}) =>
  createHubspotSource({
    token: fake.token,
    baseUrl: fake.url,
    segments: SEGMENTS,
    clock: virtualClock(Date.UTC(2024, 5, 1)),
    limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
    backoffBaseMs: 1,
    ...extra,
  })

async function rows() {
  return store.db
    .selectFrom('deals')
    .select(['deal_id', 'outcome', 'stage', 'lost_at_stage', 'amount', 'amount_band', 'closed_date', 'owner_email'])
    .orderBy('deal_id')
    .execute()
}

describe('HubSpot sync edge cases', () => {
  it('deals of a second pipeline whose labels repeat the default one, no stage, an unknown stage', async () => {
    store = await openTestStore()
    const created = T0 - 30 * DAY
    fake.options = {
      extraPipelines: [RENEWALS],
      deals: [
        deal('101', { pipeline: '7654321', dealstage: '1002' }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
        ]),
        deal('102', { pipeline: '7654321', dealstage: '1004', hs_is_closed: 'true' }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
          ['1004', created + 9 * DAY],
        ]),
        deal('103', { dealstage: null, hs_is_closed: null, hs_is_closed_won: null }),
        deal('104', { dealstage: '99999', hs_is_closed: null, hs_is_closed_won: null }, [['99999', created]]),
        // Lost in a stage this portal no longer has: that stage is where it closed.
        deal('106', { dealstage: '88888', hs_is_closed: 'true', hs_is_closed_won: 'false' }, [
          ['appointmentscheduled', created],
          ['88888', created + 3 * DAY],
        ]),
      ],
    }
    const summary = await syncCrm(store, source())
    expect(summary).toMatchObject({ deals: 5, removed: 0 })
    const byId = Object.fromEntries((await rows()).map((r) => [r.deal_id, r]))
    expect(byId['101']).toMatchObject({ outcome: 'open', stage: 'Renewal Review' })
    expect(byId['102']).toMatchObject({ outcome: 'lost', stage: 'Renewal Review' })
    expect(byId['103']).toMatchObject({ outcome: 'open' })
    expect(byId['104']).toMatchObject({ outcome: 'open', stage: '99999' })
    expect(byId['106']).toMatchObject({ outcome: 'lost', stage: 'Appointment Scheduled' })
    const history = await store.db
      .selectFrom('stage_history')
      .select(['deal_id', 'stage'])
      .where('deal_id', '=', '101')
      .orderBy('entered_at')
      .execute()
    expect(history.map((h) => h.stage)).toEqual(['Appointment Scheduled', 'Renewal Review'])
    const stages = await store.db.selectFrom('stages').select(['name', 'is_closed', 'is_won']).orderBy('position').execute()
    // A label shared by two pipelines appears once in the order.
    expect(stages.map((s) => s.name)).toEqual([
      'Appointment Scheduled',
      'Qualified To Buy',
      'Contract Sent',
      'Renewal Review',
      'Closed Won',
      'Closed Lost',
    ])
  })

  it('a stage HubSpot deleted (its deals moved on) keeps its name in the histories read after, as does a deleted pipeline', async () => {
    store = await openTestStore()
    const created = T0 - 30 * DAY
    fake.options = {
      extraPipelines: [RENEWALS],
      deals: [
        deal('201', { pipeline: '7654321', dealstage: '1002' }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
        ]),
        deal('202', { pipeline: '7654321', dealstage: '1004', hs_is_closed: 'true', closedate: iso(created + 9 * DAY) }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
          ['1004', created + 9 * DAY],
        ]),
      ],
    }
    await syncCrm(store, source())
    // "Renewal Review" is deleted once 201 moved on to a new stage; 202 is moved to the default
    // pipeline and Renewals deleted with every stage it had.
    const negotiation = ['1005', 'Negotiation', 'false', '0.8'] as const
    fake.options = {
      extraPipelines: [{ ...RENEWALS, stages: [RENEWALS.stages[0], negotiation, RENEWALS.stages[2], RENEWALS.stages[3]] }],
      deals: [
        deal('201', { pipeline: '7654321', dealstage: '1005', hs_lastmodifieddate: iso(T0 + DAY) }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
          ['1005', created + 12 * DAY],
        ]),
        deal(
          '202',
          { dealstage: 'closedlost', hs_is_closed: 'true', closedate: iso(created + 9 * DAY), hs_lastmodifieddate: iso(T0 + DAY) },
          [
            ['1001', created],
            ['1002', created + 5 * DAY],
            ['1004', created + 9 * DAY],
            ['closedlost', created + 20 * DAY],
          ],
        ),
      ],
    }
    await syncCrm(store, source())
    fake.options = { deals: [fake.options.deals[1] as DocsHubspotDeal] }
    ;(fake.options.deals[0] as DocsHubspotDeal).properties.hs_lastmodifieddate = iso(T0 + 2 * DAY)
    await syncCrm(store, source())
    const history = await store.db
      .selectFrom('stage_history')
      .select(['deal_id', 'stage'])
      .orderBy('deal_id')
      .orderBy('entered_at')
      .execute()
    expect(history.map((h) => [h.deal_id, h.stage])).toEqual([
      ['201', 'Appointment Scheduled'],
      ['201', 'Renewal Review'],
      ['201', 'Negotiation'],
      ['202', 'Appointment Scheduled'],
      ['202', 'Renewal Review'],
      ['202', 'Closed Lost'],
    ])
    // Lost at the open stage it left, though its pipeline is gone.
    expect((await rows()).find((r) => r.deal_id === '202')).toMatchObject({ outcome: 'lost', lost_at_stage: 'Renewal Review' })
    // A full sync reads every deal again from no watermark: the names are kept all the same.
    expect(await syncCrm(store, source(), { full: true })).toMatchObject({ deals: 1, removed: 1 })
    const again = await store.db.selectFrom('stage_history').select(['deal_id', 'stage']).orderBy('entered_at').execute()
    expect(again.map((h) => [h.deal_id, h.stage])).toEqual([
      ['202', 'Appointment Scheduled'],
      ['202', 'Renewal Review'],
      ['202', 'Closed Lost'],
    ])
    // So does a sync limited to one pipeline from now on (HUBSPOT_PIPELINE set), which reads every deal again.
    expect(await syncCrm(store, source({ pipeline: 'default' }))).toMatchObject({ deals: 1 })
    const limited = await store.db.selectFrom('stage_history').select('stage').orderBy('entered_at').execute()
    expect(limited.map((h) => h.stage)).toEqual(['Appointment Scheduled', 'Renewal Review', 'Closed Lost'])
  })

  it('amounts as decimal strings or with currency formatting; a won deal without closedate closes when it entered the won stage', async () => {
    store = await openTestStore()
    const created = T0 - 30 * DAY
    fake.options = {
      deals: [
        deal('201', { amount: '1234.50' }),
        deal('202', { amount: '1,234.50' }),
        deal('203', { amount: ' 2500 ' }),
        deal('205', { amount: '1.5E+7' }),
        deal('206', { amount: '$2,000' }),
        deal('207', { amount: null }),
        deal('208', { amount: '' }),
        deal('209', { amount: '0' }),
        deal('210', { amount: 'TBD' }),
        deal('204', { dealstage: 'closedwon', hs_is_closed: 'true', hs_is_closed_won: 'true', closedate: '' }, [
          ['appointmentscheduled', created],
          ['closedwon', created + 12 * DAY],
        ]),
      ],
    }
    await syncCrm(store, source())
    const byId = Object.fromEntries((await rows()).map((r) => [r.deal_id, r]))
    expect(byId['201']?.amount).toBe(1234.5)
    expect(byId['202']?.amount).toBe(1234.5)
    expect(byId['203']?.amount).toBe(2500)
    expect(byId['205']?.amount).toBe(15_000_000)
    expect(byId['206']?.amount).toBe(2000)
    // No amount (or none a deal can have): stored as 0 in the band Unknown, not with the deals under $10k.
    expect(['207', '208', '209', '210'].map((id) => [byId[id]?.amount, byId[id]?.amount_band])).toEqual([
      [0, 'Unknown'],
      [0, 'Unknown'],
      [0, 'Unknown'],
      [0, 'Unknown'],
    ])
    expect(byId['206']?.amount_band).toBe('<10k')
    expect(byId['204']).toMatchObject({ outcome: 'won', closed_date: iso(created + 12 * DAY).slice(0, 10) })
  })

  it('owners without an email and archived owners: their deals keep the archived owner email, lower-cased and trimmed', async () => {
    store = await openTestStore()
    fake.options = {
      owners: [{ id: '61234501', email: null, firstName: 'Ana', lastName: null }],
      archivedOwners: [{ id: '61234599', email: ' Old.Rep@Example.com ', firstName: 'Old', lastName: 'Rep' }],
      deals: [deal('301', {}), deal('302', { hubspot_owner_id: '61234599' })],
    }
    const summary = await syncCrm(store, source())
    expect(summary.owners).toBe(2)
    const byId = Object.fromEntries((await rows()).map((r) => [r.deal_id, r]))
    expect(byId['301']?.owner_email).toBeNull()
    expect(byId['302']?.owner_email).toBe('old.rep@example.com')
    const owners = await store.db.selectFrom('owners').select(['owner_id', 'email', 'name']).orderBy('owner_id').execute()
    expect(owners).toEqual([
      { owner_id: '61234501', email: null, name: 'Ana' },
      { owner_id: '61234599', email: 'old.rep@example.com', name: 'Old Rep' },
    ])
  })

  it('an owner HubSpot lists without the email it had: their stored deals lose it too, though no deal changed', async () => {
    store = await openTestStore()
    const deals = [deal('311', {}), deal('312', { hubspot_owner_id: '61234502' })]
    fake.options = {
      owners: [
        { id: '61234501', email: 'Ana@Example.com', firstName: 'Ana', lastName: null },
        { id: '61234502', email: 'bo@example.com', firstName: 'Bo', lastName: null },
      ],
      deals,
    }
    await syncCrm(store, source())
    expect((await rows()).map((r) => [r.deal_id, r.owner_email])).toEqual([
      ['311', 'ana@example.com'],
      ['312', 'bo@example.com'],
    ])
    // Ana's email is gone from HubSpot's owner list; no deal was modified, so no search finds them.
    fake.options = {
      ...fake.options,
      owners: [
        { id: '61234501', email: null, firstName: 'Ana', lastName: null },
        { id: '61234502', email: 'bo@example.com', firstName: 'Bo', lastName: null },
      ],
    }
    expect(await syncCrm(store, source())).toMatchObject({ deals: 0 })
    expect((await rows()).map((r) => [r.deal_id, r.owner_email])).toEqual([
      ['311', null],
      ['312', 'bo@example.com'],
    ])
  })

  it('deals sharing the watermark millisecond across two syncs: none missed, none counted twice', async () => {
    store = await openTestStore()
    const deals = [deal('401', {}), deal('402', {}), deal('403', { hs_lastmodifieddate: iso(T0 - 1000) })]
    fake.options = { deals }
    expect(await syncCrm(store, source())).toMatchObject({ deals: 3 })
    // Another deal shows up at exactly the stored millisecond, and one moves on.
    deals.push(deal('404', {}))
    Object.assign(deals[2]?.properties ?? {}, { hs_lastmodifieddate: iso(T0 + 1000), amount: '5000' })
    const again = await syncCrm(store, source())
    expect(again).toMatchObject({ deals: 2 })
    expect((await rows()).map((r) => [r.deal_id, r.amount])).toEqual([
      ['401', 1000],
      ['402', 1000],
      ['403', 5000],
      ['404', 1000],
    ])
    expect(await syncCrm(store, source())).toMatchObject({ deals: 0 })
  })

  it('a full sync after incremental ones removes a deal HubSpot no longer has at all, and one it lists as archived', async () => {
    store = await openTestStore()
    const deals = [deal('501', {}), deal('502', {}), deal('503', {}), deal('504', {})]
    fake.options = { deals }
    expect(await syncCrm(store, source())).toMatchObject({ deals: 4, removed: 0 })
    // Between syncs: 502 is archived, 503 deleted for good (not even in the archived list).
    fake.options = { deals: deals.filter((d) => d.id !== '503'), archived: ['502'] }
    expect(await syncCrm(store, source())).toMatchObject({ mode: 'incremental', deals: 0, removed: 1 })
    expect((await rows()).map((r) => r.deal_id)).toEqual(['501', '503', '504'])
    const full = await syncCrm(store, source(), { full: true })
    expect(full).toMatchObject({ mode: 'full', deals: 2, removed: 1 })
    expect((await rows()).map((r) => r.deal_id)).toEqual(['501', '504'])
  })

  it('a second pipeline holding no deal stays out of the order, until a deal enters it', async () => {
    store = await openTestStore()
    const upsell = {
      id: '7654322',
      label: 'Upsell',
      stages: [
        ['2001', 'Upsell Review', 'false', '0.5'],
        ['2002', 'Upsold', 'true', '1.0'],
        ['2003', 'Declined', 'true', '0.0'],
      ] as const,
    }
    const created = T0 - 30 * DAY
    const won = deal('701', { dealstage: 'closedwon', hs_is_closed: 'true', hs_is_closed_won: 'true', closedate: iso(T0) }, [
      ['appointmentscheduled', created],
      ['closedwon', T0],
    ])
    fake.options = { extraPipelines: [upsell], deals: [won, deal('702', {}, [['qualifiedtobuy', created]])] }
    // One pipeline holds deals: nothing to say about mixing pipelines.
    expect((await syncCrm(store, source())).notes).toBeUndefined()
    const names = async () => (await findStageOrder(store.db)).map((s) => s.name)
    expect(await names()).toEqual(['Appointment Scheduled', 'Qualified To Buy', 'Contract Sent', 'Closed Won', 'Closed Lost'])
    // The funnel ends at the sales pipeline's won stage, and no stage of the unused pipeline is a late one.
    const context = await loadReportContext(store.db, { asOf: '2024-06-01' })
    expect(context).toMatchObject({ wonStage: 'Closed Won', lateStages: ['Qualified To Buy', 'Contract Sent'] })

    const upsold = deal('703', { pipeline: '7654322', dealstage: '2001', hs_lastmodifieddate: iso(T0 + DAY) }, [['2001', created]])
    fake.options = { ...fake.options, deals: [...fake.options.deals, upsold] }
    const mixed = await syncCrm(store, source())
    // Two pipelines hold deals now: the sync says their stages share one order, and what to set.
    expect(mixed.notes).toHaveLength(1)
    expect(mixed.notes?.[0]).toMatch(/^Deals come from 2 pipelines \("Sales Pipeline", "Upsell"\).*Set HUBSPOT_PIPELINE/)
    expect(await names()).toEqual([
      'Appointment Scheduled',
      'Qualified To Buy',
      'Contract Sent',
      'Upsell Review',
      'Closed Won',
      'Closed Lost',
      'Upsold',
      'Declined',
    ])
  })

  it('HUBSPOT_PIPELINE limits the sync to one pipeline: its stages alone, other deals removed, also once they move out', async () => {
    store = await openTestStore()
    const created = T0 - 30 * DAY
    const renewal = (id: string, props: Record<string, string | null> = {}) =>
      deal(id, { pipeline: '7654321', dealstage: '1002', ...props }, [
        ['1001', created],
        ['1002', created + 5 * DAY],
      ])
    const deals = [deal('801', {}), deal('802', {}), renewal('803'), renewal('804')]
    fake.options = { extraPipelines: [RENEWALS], deals }
    expect(await syncCrm(store, source())).toMatchObject({ deals: 4, removed: 0 })

    // Limited by label, in another case: the sales deals stored before are removed; the watermark
    // of the unlimited sync does not hide the renewals from this first limited one.
    const limited = await syncCrm(store, source({ pipeline: 'renewals' }))
    expect(limited).toMatchObject({ deals: 2, removed: 2 })
    expect(limited.notes).toBeUndefined()
    expect((await rows()).map((r) => r.deal_id)).toEqual(['803', '804'])
    const names = async () => (await findStageOrder(store.db)).map((s) => s.name)
    expect(await names()).toEqual(['Appointment Scheduled', 'Renewal Review', 'Closed Won', 'Closed Lost'])
    expect(await syncCrm(store, source({ pipeline: '7654321' }))).toMatchObject({ deals: 0, removed: 0 })

    // A renewal moved to the sales pipeline leaves the store; a new sales deal never enters it.
    Object.assign(deals[3]?.properties ?? {}, { pipeline: 'default', dealstage: 'qualifiedtobuy', hs_lastmodifieddate: iso(T0 + DAY) })
    deals.push(deal('805', { hs_lastmodifieddate: iso(T0 + DAY) }))
    expect(await syncCrm(store, source({ pipeline: '7654321' }))).toMatchObject({ deals: 0, removed: 1 })
    expect((await rows()).map((r) => r.deal_id)).toEqual(['803'])

    // Unset again: every pipeline is read from the start.
    expect(await syncCrm(store, source())).toMatchObject({ deals: 5, removed: 0 })
    expect((await rows()).map((r) => r.deal_id)).toEqual(['801', '802', '803', '804', '805'])

    await expect(syncCrm(store, source({ pipeline: 'Upsell' }))).rejects.toThrow(
      'HUBSPOT_PIPELINE "Upsell" names no deal pipeline of this HubSpot account. Its pipelines: Sales Pipeline (default), Renewals (7654321).',
    )
  })

  it('deals still in an archived pipeline keep their stage labels; its stages stay out of the order', async () => {
    store = await openTestStore()
    const created = T0 - 30 * DAY
    fake.options = {
      extraPipelines: [{ ...RENEWALS, archived: true }],
      deals: [
        deal('601', { pipeline: '7654321', dealstage: '1002' }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
        ]),
      ],
    }
    await syncCrm(store, source())
    expect((await rows())[0]).toMatchObject({ deal_id: '601', outcome: 'open', stage: 'Renewal Review' })
    const stages = await store.db.selectFrom('stages').select('name').orderBy('position').execute()
    expect(stages.map((s) => s.name)).not.toContain('Renewal Review')
  })

  it('a stage renamed in HubSpot (its deals untouched): the next incremental sync stores every deal and history under the new name', async () => {
    store = await openTestStore()
    const created = T0 - 30 * DAY
    fake.options = {
      extraPipelines: [RENEWALS],
      deals: [
        deal('101', { pipeline: '7654321', dealstage: '1002' }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
        ]),
        deal('102', { pipeline: '7654321', dealstage: '1004', hs_is_closed: 'true' }, [
          ['1001', created],
          ['1002', created + 5 * DAY],
          ['1004', created + 9 * DAY],
        ]),
        deal('103', { dealstage: 'contractsent' }, [['contractsent', created]]),
      ],
    }
    await syncCrm(store, source())
    expect((await rows()).map((r) => [r.deal_id, r.stage, r.lost_at_stage])).toEqual([
      ['101', 'Renewal Review', null],
      ['102', 'Renewal Review', 'Renewal Review'],
      ['103', 'Contract Sent', null],
    ])
    // Renaming a stage changes no deal's hs_lastmodifieddate: no search from the watermark finds them.
    const renamed = {
      ...RENEWALS,
      stages: RENEWALS.stages.map((s) => (s[0] === '1002' ? (['1002', 'Renewal Check', 'false', '0.6'] as const) : s)),
    }
    fake.options = { ...fake.options, extraPipelines: [renamed] }
    const summary = await syncCrm(store, source())
    expect(summary.deals).toBe(3)
    expect((await rows()).map((r) => [r.deal_id, r.stage, r.lost_at_stage])).toEqual([
      ['101', 'Renewal Check', null],
      ['102', 'Renewal Check', 'Renewal Check'],
      ['103', 'Contract Sent', null],
    ])
    const history = await store.db.selectFrom('stage_history').select('stage').distinct().orderBy('stage').execute()
    expect(history.map((h) => h.stage)).toEqual(['Appointment Scheduled', 'Closed Lost', 'Contract Sent', 'Renewal Check'])
    expect((await findStageOrder(store.db)).map((s) => s.name)).toContain('Renewal Check')
    // Once stored under the new names, the next sync is incremental again.
    expect((await syncCrm(store, source())).deals).toBe(0)
  })

  it('a segment read from another property (HUBSPOT_REGION_PROPERTY changed): the next sync gives every stored deal the new one', async () => {
    store = await openTestStore()
    const segments = (d: string) => ({ region: `Region ${d}`, territory: `Territory ${d}` })
    fake.options = { deals: ['801', '802', '803'].map((id) => deal(id, segments(id))) }
    await syncCrm(store, source())
    const regions = async () =>
      (await store.db.selectFrom('deals').select(['deal_id', 'region']).orderBy('deal_id').execute()).map((r) => r.region)
    expect(await regions()).toEqual(['Region 801', 'Region 802', 'Region 803'])
    // No deal changed in HubSpot: only the mapping did.
    const logged: string[] = []
    const logger = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line).msg) })
    const remapped = createHubspotSource({
      token: fake.token,
      baseUrl: fake.url,
      segments: { ...SEGMENTS, region: 'territory' },
      clock: virtualClock(Date.UTC(2024, 5, 1)),
      limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
      logger,
    })
    expect(await syncCrm(store, remapped)).toMatchObject({ deals: 3 })
    expect(await regions()).toEqual(['Territory 801', 'Territory 802', 'Territory 803'])
    expect(logged.join('\n')).toContain('HUBSPOT_REGION_PROPERTY "region" is now "territory"')
    // Once stored under the new mapping, the next sync is incremental again.
    expect((await syncCrm(store, source({ segments: { ...SEGMENTS, region: 'territory' } }))).deals).toBe(0)
  })

  it('deals merged in HubSpot: the deals merged away (hs_merged_object_ids of the deal they became) are removed, not counted twice', async () => {
    store = await openTestStore()
    const deals = [deal('901', { amount: '5000' }), deal('902', { amount: '7000' }), deal('903', {})]
    fake.options = { deals }
    await syncCrm(store, source())
    // Merging 901 and 902 makes 904, which lists them; they are gone from HubSpot (not archived),
    // their ids now lead to 904, and nothing else about them changes.
    fake.options = {
      deals: [
        deals[2] as DocsHubspotDeal,
        deal('904', { amount: '12000', hs_merged_object_ids: '901;902', hs_lastmodifieddate: iso(T0 + DAY) }),
      ],
    }
    const summary = await syncCrm(store, source())
    expect(summary).toMatchObject({ deals: 1, removed: 2 })
    expect((await rows()).map((r) => [r.deal_id, r.amount])).toEqual([
      ['903', 1000],
      ['904', 12000],
    ])
    expect(await store.db.selectFrom('stage_history').select('deal_id').where('deal_id', 'in', ['901', '902']).execute()).toEqual([])
    // 904 read again later (modified) removes nothing more, and keeps itself.
    fake.options = {
      deals: [
        deals[2] as DocsHubspotDeal,
        deal('904', { amount: '13000', hs_merged_object_ids: '901;902;904', hs_lastmodifieddate: iso(T0 + 2 * DAY) }),
      ],
    }
    expect(await syncCrm(store, source())).toMatchObject({ deals: 1, removed: 0 })
    expect((await rows()).map((r) => r.deal_id)).toEqual(['903', '904'])
  })

  it('deals modified within the search lag: stored once, read again only when modified again, and a deal the index shows late is still read', async () => {
    store = await openTestStore()
    // The source's clock reads 2024-06-01T00:00:00Z: these deals changed in the minute before it.
    const now = Date.UTC(2024, 5, 1)
    const deals = [deal('951', { hs_lastmodifieddate: iso(now - 20_000) }), deal('952', { hs_lastmodifieddate: iso(now - 10_000) })]
    fake.options = { deals }
    expect(await syncCrm(store, source())).toMatchObject({ deals: 2 })
    // Nothing changed: nothing is read or stored again.
    const batchReads = () => fake.requests.filter((r) => r.path.includes('/batch/read')).length
    const before = batchReads()
    expect(await syncCrm(store, source())).toMatchObject({ deals: 0 })
    expect(batchReads()).toBe(before)
    // One deal modified again, and one the search index shows only now, modified before the others.
    Object.assign(deals[0]?.properties ?? {}, { amount: '2500', hs_lastmodifieddate: iso(now - 5_000) })
    deals.push(deal('953', { hs_lastmodifieddate: iso(now - 50_000) }))
    expect(await syncCrm(store, source())).toMatchObject({ deals: 2 })
    expect((await rows()).map((r) => [r.deal_id, r.amount])).toEqual([
      ['951', 2500],
      ['952', 1000],
      ['953', 1000],
    ])
    expect(await syncCrm(store, source())).toMatchObject({ deals: 0 })
  })

  it('reads the merged ids with either separator and spaces, never the deal itself', () => {
    const merged = (ids: string | null) => mergedDealIds({ id: '904', properties: { hs_merged_object_ids: ids } })
    expect(merged('901;902')).toEqual(['901', '902'])
    expect(merged(' 901, 902 ;904;')).toEqual(['901', '902'])
    expect(merged(null)).toEqual([])
    expect(merged('')).toEqual([])
  })

  it('a millisecond holding more deals than a page, at the watermark across two syncs: none read twice, the next ones all read', async () => {
    store = await openTestStore()
    const deals = [deal('701', {}), deal('702', {}), deal('703', {})]
    fake.options = { deals, pageSize: 2 }
    const small = () => source({ pageSize: 2 })
    expect(await syncCrm(store, small())).toMatchObject({ deals: 3 })
    // The drained millisecond is not read again; deals modified just after it are.
    deals.push(deal('704', { hs_lastmodifieddate: iso(T0 + 1) }), deal('705', { hs_lastmodifieddate: iso(T0 + 1) }))
    deals.push(deal('706', { hs_lastmodifieddate: iso(T0 + 1) }))
    expect(await syncCrm(store, small())).toMatchObject({ deals: 3 })
    expect((await rows()).map((r) => r.deal_id)).toEqual(['701', '702', '703', '704', '705', '706'])
    expect(await syncCrm(store, small())).toMatchObject({ deals: 0 })
  })
})

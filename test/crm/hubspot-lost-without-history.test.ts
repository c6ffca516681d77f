import { afterEach, expect, it } from 'vitest'
import { STAGE_NOT_KNOWN } from '../../src/analytics/report-types.js'
import { formatSyncSummary } from '../../src/cli/commands/run-sync-command.js'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import type { Store } from '../../src/db/open-store.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { type FakeHubspotDeal, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { hubspotFakeDeal } from '../helpers/hubspot-fake-deal.js'
import { virtualClock } from '../helpers/virtual-clock.js'

let fake: HubspotFake | undefined
let store: Store | undefined
afterEach(async () => {
  await fake?.close()
  await store?.close()
  fake = undefined
  store = undefined
})

/** A HubSpot deal of $80k created on 2024-01-10 whose stage history is `steps` (stage id @ day). */
const deal = (id: string, steps: Array<[string, string]>, closed: 'won' | 'lost' | null, extra: Partial<FakeHubspotDeal> = {}) =>
  hubspotFakeDeal(id, steps, { closed, lastActivity: '2024-01-12', extra })

describeEachDialect('a HubSpot lost deal whose batch read gives no stage history', (dialect) => {
  it('is stored lost at its closed stage, said by pulse sync, and placed by no report, like a CSV lost deal at Closed', async () => {
    const deals = [
      // Lost at Contract Sent, as its history shows.
      deal(
        '101',
        [
          ['appointmentscheduled', '2024-01-10'],
          ['contractsent', '2024-02-01'],
          ['closedlost', '2024-04-01'],
        ],
        'lost',
      ),
      // Lost too, but the batch read leaves its history out: only `dealstage` (closedlost) is known.
      deal(
        '102',
        [
          ['appointmentscheduled', '2024-01-10'],
          ['decisionmakerboughtin', '2024-02-01'],
          ['closedlost', '2024-04-02'],
        ],
        'lost',
        {
          withoutHistory: true,
        },
      ),
      deal(
        '103',
        [
          ['appointmentscheduled', '2024-01-10'],
          ['closedwon', '2024-04-03'],
        ],
        'won',
      ),
    ]
    let tick = Date.UTC(2024, 4, 20)
    fake = await startHubspotFake({ deals, now: () => (tick += 1000) })
    store = await dialect.open()
    const source = createHubspotSource({
      token: fake.token,
      baseUrl: fake.url,
      segments: { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' },
      clock: virtualClock(Date.UTC(2024, 5, 1)),
      limits: { searchPerSecond: 1000, burstPerTenSeconds: 10_000 },
      backoffBaseMs: 10,
    })
    const summary = await syncCrm(store, source)
    expect(summary.deals).toBe(3)
    expect(summary.lostAtClosedStage).toEqual([{ stage: 'Closed Lost', deals: 1 }])
    expect(formatSyncSummary(summary)).toContain(
      'Note: 1 lost deal came in at Closed Lost, not one of the open stages, with no stage history showing an open stage: where it was lost is not known, so losses by stage and the funnel cannot place it.',
    )

    const asOf = '2024-06-01'
    const losses = await loadLossesReport(store.db, { asOf })
    expect(losses.stages.map((s) => [s.stage, s.lost, s.openStage])).toEqual([
      ['Closed Lost', 1, false],
      ['Contract Sent', 1, true],
    ])
    expect(losses.findings.find((f) => f.key === 'losses_stage_not_recorded')?.text).toMatch(
      /^1 lost deal \(50%\) names Closed Lost as the stage lost at/,
    )
    const funnel = await loadFunnelReport(store.db, { asOf })
    // Deal 101 reached every stage up to Contract Sent by its history; 102 is placed nowhere.
    expect(funnel.stages.filter((s) => s.lost > 0).map((s) => [s.stage, s.lost])).toEqual([['Contract Sent', 1]])
    expect(funnel.sourceNote).toContain('1 lost or open deal is left out: the stage it sat at is not one of the open stages')
    // As of a day it was open, its stage then is not known.
    const stalled = await loadStalledReport(store.db, { asOf: '2024-03-01', rules: { alertAmount: 50_000, idleDays: 14, staleDays: 30 } })
    expect(stalled.stalled.find((d) => d.dealId === '102')).toMatchObject({ stage: STAGE_NOT_KNOWN, outcomeNow: 'lost' })
    expect(stalled.stalled.find((d) => d.dealId === '101')).toMatchObject({ stage: 'Contract Sent', outcomeNow: 'lost' })
  })
})

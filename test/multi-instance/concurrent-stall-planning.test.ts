import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES, loadConfig } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { planStalledDealDms, type StallPlanDeps } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'
import { openTwoInstances } from '../jobs/two-instances.js'
import { AS_OF } from '../slack/slack-test-app.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0).reverse()) await s.close()
})

/**
 * What one process plans with. Its stalled report answers `delayMs` late, as on a busy database
 * (or a large store): two plans that start together both read before either writes.
 */
function planner(store: Store, delayMs: number): StallPlanDeps {
  const config = loadConfig({})
  const logger = silentLogger()
  const services = createPulseServices({ store, config, logger })
  const stalled: typeof services.stalled = async (db, query) => {
    const report = await services.stalled(db, query)
    await new Promise((r) => setTimeout(r, delayMs))
    return report
  }
  return { store, config, logger, services: { ...services, stalled }, clock: { now: () => new Date(), asOf: () => AS_OF } }
}

// The stalled-deal DMs are planned by the scheduled job on one instance, but also by `pulse alerts`
// (run by hand or from cron), which takes no job lock: two plans may run at once.
describeEachDialect('stalled-deal DM plans run at the same time by two processes', (dialect) => {
  it('open one stall episode per deal and queue one DM per deal between them', async () => {
    const [a, b] = await openTwoInstances(dialect, stores)
    const sample = writeSampleFiles({ out: join(tempDir('pulse-plan-race-'), 'deals.csv'), deals: 1500, seed: 11, asOf: AS_OF })
    await importCsvFile(a, { path: sample.csv, stages: DEFAULT_STAGES })

    const plans = await Promise.all([
      planStalledDealDms(planner(a, 150), { asOf: AS_OF }),
      planStalledDealDms(planner(b, 150), { asOf: AS_OF }),
    ])
    const stalled = plans[0].alerts.length + plans[1].alerts.length
    expect(stalled).toBeGreaterThan(5)

    const episodes = await a.db.selectFrom('slack_stall_episodes').select('deal_id').execute()
    const dms = await a.db.selectFrom('slack_outbox').select('deal_id').where('kind', '=', 'stall_dm').execute()
    const deals = new Set(episodes.map((e) => e.deal_id))
    expect(episodes).toHaveLength(deals.size)
    expect(dms).toHaveLength(deals.size)
    expect(new Set(dms.map((d) => d.deal_id))).toEqual(deals)
    // Together the two plans queued each DM once: one plan found the other's episodes.
    expect(stalled).toBe(deals.size)
  }, 30_000)
})

import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { DEFAULT_STAGES, loadConfig } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { openStore } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { planStalledDealDms } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { ROWS_PER_YIELD } from '../../src/yield-to-event-loop.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF } from './slack-test-app.js'

let store: Store | undefined
afterAll(async () => {
  await store?.close()
})

// `pulse serve` plans the stalled-deal DMs on the thread that acknowledges Slack's requests. Each
// SQLite query resolves at once, so without a pause a plan of thousands of deals would keep every
// request waiting until it ends.
it('lets other work run between its rows while it opens episodes and queues DMs for many stalled deals', async () => {
  const dir = tempDir('pulse-plan-yields-')
  const sample = writeSampleFiles({ out: join(dir, 'deals.csv'), deals: 20_000, seed: 3, asOf: AS_OF })
  store = await openStore({ path: join(dir, 'pulse.db') })
  await importCsvFile(store, { path: sample.csv, stages: DEFAULT_STAGES })
  // Every idle deal is alerted on, whatever its amount.
  const config = loadConfig({ PULSE_ALERT_AMOUNT: '0' })
  const logger = silentLogger()
  const services = createPulseServices({ store, config, logger })
  let reportDone = false
  let turns = 0
  const ctx = {
    store,
    config,
    logger,
    clock: { now: () => new Date(`${AS_OF}T09:00:00Z`), asOf: () => AS_OF },
    services: {
      ...services,
      stalled: async (...args: Parameters<typeof services.stalled>) => {
        const report = await services.stalled(...args)
        reportDone = true
        return report
      },
    },
  }
  // Counts the turns of the event loop taken while the plan writes (after its report is read).
  let counting = true
  const count = () => {
    if (!counting) return
    if (reportDone) turns++
    setImmediate(count)
  }
  setImmediate(count)
  const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
  counting = false
  expect(plan.episodesOpened).toBeGreaterThan(2 * ROWS_PER_YIELD)
  expect(plan.alerts.length).toBe(plan.episodesOpened)
  // At least one turn per ROWS_PER_YIELD episodes opened and again per ROWS_PER_YIELD DMs queued.
  expect(turns).toBeGreaterThanOrEqual(2 * Math.floor((plan.episodesOpened - 1) / ROWS_PER_YIELD))
  const queued = await store.db
    .selectFrom('slack_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  expect(Number(queued.n)).toBe(plan.alerts.length)
}, 60_000)

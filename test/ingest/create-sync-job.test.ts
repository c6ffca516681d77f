import { afterEach, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { createSyncJob } from '../../src/ingest/sync-crm.js'
import { runJob } from '../../src/jobs/run-job.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { openTestStore } from '../helpers/test-store.js'

let fake: HubspotFake | undefined
let store: Store | undefined
afterEach(async () => {
  await fake?.close()
  await store?.close()
})

it('a scheduled sync that a shutdown stops after the page it was storing is recorded as interrupted, like its sync run, not done', async () => {
  fake = await startHubspotFake({ deals: generateHubspotDeals(50, { seed: 3 }) })
  store = await openTestStore()
  const logger = silentLogger()
  const config = loadConfig({ HUBSPOT_TOKEN: fake.token, HUBSPOT_API_URL: fake.url })
  const job = createSyncJob({ store, config, logger })
  const stopping = new AbortController()
  stopping.abort()
  const alerts: string[] = []
  const ctx = { store, logger, instanceId: 'host-a', notifyAdmins: async (t: string) => void alerts.push(t) }
  const outcome = await runJob(ctx, 'sync', () => job(stopping.signal), { signal: stopping.signal })
  expect(outcome.status).toBe('failed')
  const syncRuns = await store.db.selectFrom('sync_runs').select('status').execute()
  expect(syncRuns).toEqual([{ status: 'interrupted' }])
  const jobRuns = await store.db.selectFrom('job_runs').select(['job', 'status']).execute()
  expect(jobRuns).toEqual([{ job: 'sync', status: 'interrupted' }])
  expect(alerts).toEqual([])
})

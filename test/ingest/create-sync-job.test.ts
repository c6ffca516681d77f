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

it('a shutdown during a HubSpot rate-limit wait ends the scheduled sync at once, recorded as interrupted, with no request after it', async () => {
  fake = await startHubspotFake({ deals: generateHubspotDeals(20, { seed: 4 }) })
  store = await openTestStore()
  const logger = silentLogger()
  const config = loadConfig({ HUBSPOT_TOKEN: fake.token, HUBSPOT_API_URL: fake.url })
  // HubSpot's ten-secondly limit: each refusal asks for a 10 s wait, up to 8 times.
  const burst429 = {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    policyName: 'TEN_SECONDLY_ROLLING',
  }
  fake.failNext({ path: '/crm/v3/pipelines/deals' }, { status: 429, body: burst429 }, 20)
  const job = createSyncJob({ store, config, logger })
  const stopping = new AbortController()
  const alerts: string[] = []
  const ctx = { store, logger, instanceId: 'host-a', notifyAdmins: async (t: string) => void alerts.push(t) }
  const running = runJob(ctx, 'sync', () => job(stopping.signal), { signal: stopping.signal })
  while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 10))
  const stoppedAt = Date.now()
  stopping.abort()
  const outcome = await running
  expect(Date.now() - stoppedAt).toBeLessThan(2000)
  expect(outcome.status).toBe('failed')
  expect(fake.requests).toHaveLength(1)
  const syncRuns = await store.db.selectFrom('sync_runs').select(['status', 'error_message']).execute()
  expect(syncRuns).toEqual([
    { status: 'interrupted', error_message: 'Stopped by a shutdown after 0 pages; the next sync resumes from there.' },
  ])
  const jobRuns = await store.db.selectFrom('job_runs').select(['job', 'status']).execute()
  expect(jobRuns).toEqual([{ job: 'sync', status: 'interrupted' }])
  expect(alerts).toEqual([])
})

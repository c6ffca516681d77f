import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { acquireJobLock, findJobLock, releaseJobLock } from '../../src/db/acquire-job-lock.js'
import { findRollupSlice } from '../../src/db/find-rollup-slice.js'
import type { Store } from '../../src/db/open-store.js'
import { AppError } from '../../src/errors.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { openTestStore } from '../helpers/test-store.js'

let fake: HubspotFake
let store: Store
beforeAll(async () => {
  fake = await startHubspotFake({ deals: generateHubspotDeals(120, { seed: 5 }) })
  store = await openTestStore()
})
afterAll(async () => {
  await store.close()
  await fake.close()
})

describe('/pulse sync (the Slack services behind it)', () => {
  const services = () =>
    createPulseServices({ store, config: loadConfig({ HUBSPOT_TOKEN: fake.token, HUBSPOT_API_URL: fake.url }), logger: silentLogger() })

  it('refuses while another sync (the scheduled one, a pulse sync) holds the sync lock, asking nothing of the CRM', async () => {
    await acquireJobLock(store.db, 'sync', 'cli:elsewhere:1', 60_000, new Date())
    const error = await services()
      .sync()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('not_allowed')
    expect((error as AppError).message).toContain('already running')
    expect(fake.requests).toHaveLength(0)
    expect(await store.db.selectFrom('sync_runs').selectAll().execute()).toEqual([])
    expect((await findJobLock(store.db, 'sync'))?.holder).toBe('cli:elsewhere:1')
    await releaseJobLock(store.db, 'sync', 'cli:elsewhere:1')
  })

  it('runs once the lock is free, holds it meanwhile, gives it back, and rebuilds the report summaries', async () => {
    const holders: Array<string | undefined> = []
    const leases: number[] = []
    fake.onRequest = () => {
      findJobLock(store.db, 'sync').then((l) => {
        holders.push(l?.holder)
        if (l) leases.push(Date.parse(l.expiresAt) - Date.now())
      })
    }
    const text = await services().sync()
    fake.onRequest = undefined
    expect(text).toContain('Synced 120 deals from HubSpot')
    // /pulse status names the CRM as its users know it, as the answer above does.
    expect((await services().status(store.db)).lastLoad?.source).toBe('HubSpot sync')
    expect(holders.length).toBeGreaterThan(0)
    expect(holders.every((h) => h?.startsWith('slack:'))).toBe(true)
    // A short lease (renewed while the sync runs), so a process dying mid-sync does not block syncs for hours.
    expect(Math.max(...leases)).toBeLessThanOrEqual(5 * 60_000)
    expect(await findJobLock(store.db, 'sync')).toBeNull()
    // Reports read the summaries again (not every deal), as after `pulse sync`.
    expect(await findRollupSlice(store.db, { asOf: '2100-01-01', where: {} })).not.toBeNull()
  })

  it('counts one synced deal in the singular', async () => {
    const one = await startHubspotFake({ deals: generateHubspotDeals(1, { seed: 9 }) })
    const fresh = await openTestStore()
    try {
      const config = loadConfig({ HUBSPOT_TOKEN: one.token, HUBSPOT_API_URL: one.url })
      const text = await createPulseServices({ store: fresh, config, logger: silentLogger() }).sync()
      expect(text).toMatch(/^Synced 1 deal from HubSpot \(/)
    } finally {
      await fresh.close()
      await one.close()
    }
  })
})

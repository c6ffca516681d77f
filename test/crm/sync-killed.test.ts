import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'
import type { FakeServerBase } from '../fakes/crm-fake-server.js'
import { generateHubspotDeals, startHubspotFake } from '../fakes/hubspot-fake.js'
import { generateOpportunities, startSalesforceFake } from '../fakes/salesforce-fake.js'
import { describeEachDialect, type TestDialect } from '../helpers/each-dialect.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'
import { storeSnapshot } from './store-snapshot.js'

let fake: FakeServerBase | undefined
const stores: Store[] = []
afterEach(async () => {
  await fake?.close()
  for (const s of stores.splice(0)) await s.close()
})

/** Where the child syncs into and the parent resumes: a SQLite file, or a fresh Postgres schema. */
async function target(dialect: TestDialect): Promise<{ env: Record<string, string>; open: () => Promise<Store> }> {
  if (dialect.name === 'sqlite') {
    const dbPath = join(tempDir(), 'killed.db')
    return { env: { PULSE_TEST_DB: dbPath }, open: () => openStore({ path: dbPath }) }
  }
  const store = await dialect.open()
  stores.push(store)
  const schema = (await sql<{ name: string }>`SELECT current_schema() AS name`.execute(store.db)).rows[0]?.name as string
  return {
    env: { PULSE_TEST_PG_URL: process.env.PULSE_TEST_DATABASE_URL as string, PULSE_TEST_PG_SCHEMA: schema },
    open: async () => store,
  }
}

/** Runs the sync in a child process and SIGKILLs it when the fake sees request number `killAt` of `counted`. */
async function killMidSync(
  f: FakeServerBase,
  into: Record<string, string>,
  source: string,
  secret: string,
  counted: RegExp,
  killAt: number,
) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'sync-child.ts')], {
    env: { ...process.env, ...into, CRM_SOURCE: source, FAKE_URL: f.url, FAKE_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.on('data', (d) => {
    output += d
  })
  let seen = 0
  f.onRequest = (_m, path) => {
    if (counted.test(path) && ++seen === killAt) child.kill('SIGKILL')
  }
  const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
  f.onRequest = undefined
  return { signal, output }
}

describeEachDialect('a sync killed at a random page and run again', (dialect) => {
  it('HubSpot: ends identical to a clean sync', async () => {
    const hs = await startHubspotFake({ deals: generateHubspotDeals(3000, { seed: 21 }) })
    fake = hs
    const killAt = 2 + Math.floor(Math.random() * 12)
    const into = await target(dialect)
    const { signal, output } = await killMidSync(hs, into.env, 'hubspot', hs.token, /deals\/(search|batch\/read)/, killAt)
    expect(signal, `killed at request ${killAt}`).toBe('SIGKILL')
    expect(output).not.toContain('finished')

    const resumed = await into.open()
    if (dialect.name === 'sqlite') stores.push(resumed)
    const source = () =>
      createHubspotSource({
        token: hs.token,
        baseUrl: hs.url,
        segments: { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' },
        limits: { searchPerSecond: 10_000, burstPerTenSeconds: 100_000 },
      })
    await syncCrm(resumed, source())
    const clean = await openTestStore()
    stores.push(clean)
    await syncCrm(clean, source())
    expect(await storeSnapshot(resumed)).toEqual(await storeSnapshot(clean))
    expect((await storeSnapshot(resumed)).deals.length).toBe(3000)
    const runs = await resumed.db.selectFrom('sync_runs').select(['status']).orderBy('run_id').execute()
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'done'])
  })

  it('Salesforce: ends identical to a clean sync', async () => {
    const sf = await startSalesforceFake({ opportunities: generateOpportunities(4000, { seed: 22 }), batchSize: 250 })
    fake = sf
    const killAt = 2 + Math.floor(Math.random() * 14)
    const into = await target(dialect)
    const { signal } = await killMidSync(sf, into.env, 'salesforce', sf.clientSecret, /\/query\/01g/, killAt)
    expect(signal, `killed at page ${killAt}`).toBe('SIGKILL')

    const resumed = await into.open()
    if (dialect.name === 'sqlite') stores.push(resumed)
    const source = () =>
      createSalesforceSource({
        url: sf.url,
        clientId: sf.clientId,
        clientSecret: sf.clientSecret,
        segments: { region: 'Account.BillingCountry', industry: 'Account.Industry', productType: 'Type', leadSource: 'LeadSource' },
        requestsPerSecond: 10_000,
      })
    await syncCrm(resumed, source())
    const clean = await openTestStore()
    stores.push(clean)
    await syncCrm(clean, source())
    expect(await storeSnapshot(resumed)).toEqual(await storeSnapshot(clean))
    expect((await storeSnapshot(resumed)).deals.length).toBe(4000)
  })
})

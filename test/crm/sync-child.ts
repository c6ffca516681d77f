// A sync in its own process, for the kill test: `node --import tsx test/crm/sync-child.ts`.
// Reads PULSE_TEST_DB (or PULSE_TEST_PG_URL with PULSE_TEST_PG_SCHEMA), CRM_SOURCE (hubspot | salesforce), FAKE_URL and FAKE_SECRET from the environment.
import { createHubspotSource } from '../../src/crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../../src/crm/salesforce/salesforce-source.js'
import { openStore } from '../../src/db/open-store.js'
import { syncCrm } from '../../src/ingest/sync-crm.js'

const env = process.env
const store = await openStore({ path: env.PULSE_TEST_DB ?? '', url: env.PULSE_TEST_PG_URL, schema: env.PULSE_TEST_PG_SCHEMA })
const url = env.FAKE_URL as string
const source =
  env.CRM_SOURCE === 'salesforce'
    ? createSalesforceSource({
        url,
        clientId: '3MVG9fake.client.id',
        clientSecret: env.FAKE_SECRET as string,
        segments: { region: 'Account.BillingCountry', industry: 'Account.Industry', productType: 'Type', leadSource: 'LeadSource' },
        requestsPerSecond: 10_000,
      })
    : createHubspotSource({
        token: env.FAKE_SECRET as string,
        baseUrl: url,
        segments: { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' },
        limits: { searchPerSecond: 10_000, burstPerTenSeconds: 100_000 },
      })
await syncCrm(store, source, { onProgress: (note) => process.stdout.write(`${note}\n`) })
await store.close()
process.stdout.write('finished\n')

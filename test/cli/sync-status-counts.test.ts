import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'

let fake: HubspotFake | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function syncAndStatus(deals: number): Promise<{ sync: string; status: string }> {
  fake = await startHubspotFake({ deals: generateHubspotDeals(deals, { seed: 7 }) })
  const db = join(tempDir(), 'pulse.db')
  const env = { HUBSPOT_TOKEN: fake.token, HUBSPOT_API_URL: fake.url, SALESFORCE_URL: '', SLACK_APP_TOKEN: '' }
  const sync = spawnPulse(['sync', '--db', db], env)
  expect(await sync.exited).toBe(0)
  const status = spawnPulse(['status', '--db', db], env)
  expect(await status.exited).toBe(0)
  return { sync: sync.stdout, status: status.stdout }
}

describe('pulse sync and pulse status write counts as words', () => {
  it('in the singular when one deal came over one page', async () => {
    const { sync, status } = await syncAndStatus(1)
    expect(sync).toMatch(/: 1 deal stored, 0 removed \(archived or deleted\), \d+ owners?, \d+ stages?, over 1 page\. /)
    expect(status).toMatch(/hubspot +done .*, 1 page, 1 deal, 0 removed, 0 errors$/m)
  })

  it('with thousands separators in the sync run line, as in the data line', async () => {
    const { status } = await syncAndStatus(1_200)
    expect(status).toContain('Data: 1,200 deals')
    expect(status).toMatch(/hubspot +done .*, \d+ pages, 1,200 deals, 0 removed, 0 errors$/m)
  })
})

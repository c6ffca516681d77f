import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AMOUNT_BANDS } from '../../src/domain/amount-band.js'
import { type DocsHubspotFake, docsDeals, startDocsHubspotFake } from '../crm/docs-hubspot-fake.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

let fake: DocsHubspotFake
beforeAll(async () => {
  fake = await startDocsHubspotFake({ deals: [] })
  process.env.HUBSPOT_TOKEN = fake.token
  process.env.HUBSPOT_API_URL = fake.url
  process.env.SALESFORCE_URL = ''
})
afterAll(async () => {
  await fake.close()
})

it('report drivers on HubSpot deals without an amount: only the four amount bands of contract.md, and a note of the deals in none', async () => {
  // Every deal closed: a third won, the rest lost; half the deals have no amount (blank or null).
  const deals = docsDeals(240).map((d, i) =>
    i % 3 === 0
      ? d
      : {
          ...d,
          properties: {
            ...d.properties,
            dealstage: 'closedlost',
            hs_is_closed: 'true',
            hs_is_closed_won: 'false',
            closedate: d.properties.hs_lastmodifieddate ?? null,
          },
        },
  )
  const unpriced = deals.filter((d) => !d.properties.amount).length
  expect(unpriced).toBe(120)
  fake.options = { deals, archived: [] }
  const db = join(tempDir(), 'pulse.db')
  expect((await runCli('sync', '--db', db)).code).toBe(0)
  const run = await runCli('report', 'drivers', '--db', db, '--as-of', '2024-07-01', '--json')
  expect(run.code, run.stderr).toBe(0)
  const report = JSON.parse(run.stdout) as { segments: Array<{ segment: Record<string, string> }> }
  const bands = report.segments.flatMap((s) => (s.segment.amount_band === undefined ? [] : [s.segment.amount_band]))
  expect(bands.length).toBeGreaterThan(0)
  for (const band of bands) expect(AMOUNT_BANDS).toContain(band)
  const text = await runCli('report', 'drivers', '--db', db, '--as-of', '2024-07-01')
  expect(text.stdout).toContain('120 closed deals have no amount in the CRM, so no amount band')
  // They can still be looked at on their own.
  const only = await runCli('report', 'winrate', '--db', db, '--as-of', '2024-07-01', '--json', '--where', 'amount_band=unknown')
  expect(only.code, only.stderr).toBe(0)
  const months = JSON.parse(only.stdout).months as Array<{ won: number; lost: number }>
  expect(months.reduce((s, m) => s + m.won + m.lost, 0)).toBe(unpriced)
})

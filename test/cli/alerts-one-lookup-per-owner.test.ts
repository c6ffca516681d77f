import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import type { SlackFake } from '../fakes/slack-fake.js'
import { ALERTS_CSV_HEADER, alertsCliSetup } from '../helpers/alerts-cli-setup.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// Two owners with six stalled deals each, side by side in the outbox (largest first): Ana is in
// Slack, Gus is not.
const deal = (id: string, amount: number, email: string) =>
  `${id},2024-01-02,,rep_${email[0]},SaaS,EMEA,Core,Inbound,Demo,${amount},Open,2024-05-01,${email}`
const ROWS = [
  ...[1, 2, 3, 4, 5, 6].map((i) => deal(`G${i}`, 90_000 + i, 'gus@acme.example')),
  ...[1, 2, 3, 4, 5, 6].map((i) => deal(`A${i}`, 60_000 + i, 'ana@acme.example')),
]

describe('pulse alerts with many stalled deals per owner', () => {
  let fake: SlackFake
  let db: string
  beforeAll(async () => {
    ;({ fake, db } = await alertsCliSetup({ users: [{ id: 'UANA000001', email: 'ana@acme.example' }], rows: ROWS }))
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('asks Slack once per owner for their user and once for their DM channel, however many of their DMs go out at once', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Delivered 6 .*skipped 6 /)
    const lookups = (email: string) => fake.callsOf('users.lookupByEmail').filter((c) => c.params.email === email)
    expect(lookups('gus@acme.example')).toHaveLength(1)
    expect(lookups('ana@acme.example')).toHaveLength(1)
    expect(fake.callsOf('conversations.open')).toHaveLength(1)
    expect(fake.callsOf('chat.postMessage').filter((c) => c.params.channel === 'DANA000001')).toHaveLength(6)
  })

  it("waits out a 429 on the owner's lookup once, then sends every DM once, asking again only for the look-up refused", async () => {
    clearSlackUserMemory()
    clearDmMemory()
    const fresh = join(tempDir(), 'p.db')
    expect(
      (await runCli('ingest', '--csv', writeTempFile('d.csv', `${[ALERTS_CSV_HEADER, ...ROWS].join('\n')}\n`), '--db', fresh)).code,
    ).toBe(0)
    const before = { lookups: fake.callsOf('users.lookupByEmail').length, posts: fake.callsOf('chat.postMessage').length }
    fake.rateLimitNext('users.lookupByEmail', 1)
    try {
      const run = await runCli('alerts', '--db', fresh, '--as-of', '2024-07-01')
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/Delivered 6 .*skipped 6 .*; 1 rate-limit waits\./)
    } finally {
      fake.resetFailures()
    }
    // One look-up refused with a 429, then one per owner.
    expect(fake.callsOf('users.lookupByEmail').length - before.lookups).toBe(3)
    expect(fake.callsOf('chat.postMessage').length - before.posts).toBe(6)
  })
})

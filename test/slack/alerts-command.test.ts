import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { enqueueOutboxMessage } from '../../src/db/slack-outbox.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import type { SlackFake } from '../fakes/slack-fake.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, cliSlackCompany } from './slack-test-app.js'

describe('pulse alerts', () => {
  let fake: SlackFake
  let db: string
  let unsent: string
  let refused: string
  let paced: string
  let bareLimit: string
  let waitingAlert: string
  let dmRefused: string
  beforeAll(async () => {
    ;({ db, fake } = await cliSlackCompany('pulse-alerts-'))
    unsent = join(tempDir('pulse-alerts-'), 'pulse.db')
    copyFileSync(db, unsent)
    refused = join(tempDir('pulse-alerts-'), 'pulse.db')
    copyFileSync(db, refused)
    paced = join(tempDir('pulse-alerts-'), 'pulse.db')
    copyFileSync(db, paced)
    bareLimit = join(tempDir('pulse-alerts-'), 'pulse.db')
    copyFileSync(db, bareLimit)
    waitingAlert = join(tempDir('pulse-alerts-'), 'pulse.db')
    copyFileSync(db, waitingAlert)
    dmRefused = join(tempDir('pulse-alerts-'), 'pulse.db')
    copyFileSync(db, dmRefused)
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('--dry-run --json lists who would be DMed in the contract shape, sending and writing nothing', async () => {
    const run = await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', AS_OF)
    expect(run.code).toBe(0)
    const out = JSON.parse(run.stdout) as { asOf: string; alerts: Array<Record<string, unknown>> }
    expect(out.asOf).toBe(AS_OF)
    expect(out.alerts.length).toBeGreaterThan(0)
    expect(Object.keys(out.alerts[0] ?? {}).sort()).toEqual(['amount', 'daysIdle', 'dealId', 'idleFrom', 'ownerEmail', 'stage'])
    expect(fake.calls).toHaveLength(0)
    const again = JSON.parse((await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', AS_OF)).stdout)
    expect(again.alerts).toEqual(out.alerts)
  })

  it('sends the DMs once, and a second run sends nothing new', async () => {
    const first = await runCli('alerts', '--db', db, '--as-of', AS_OF)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/stalled-deal DMs queued/)
    const sent = fake.callsOf('chat.postMessage').length
    expect(sent).toBeGreaterThan(0)
    const second = await runCli('alerts', '--db', db, '--as-of', AS_OF)
    expect(second.stdout).toContain('No new stalled-deal DMs')
    expect(fake.callsOf('chat.postMessage').length).toBe(sent)
    expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(fake.token)
  }, 60_000)

  it('tells on stderr in sentences, without log lines or stacks, why DMs were left for the next run, and exits 1', async () => {
    fake.failNextHttp('chat.postMessage', 503, 1000)
    try {
      const run = await runCli('alerts', '--db', unsent, '--as-of', AS_OF)
      // Exit 1, so a scheduler notices the DMs still owed.
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/Not every DM reached Slack \(0 failed, [1-9]\d* left for the next run\)/)
      expect(run.stdout).toMatch(/failed 0, left for the next run [1-9]/)
      expect(run.stderr).toMatch(/^ {2}message outcome unknown; will check on the next run \(.*503.*outboxId \d+\)\.$/m)
      expect(run.stderr).not.toContain('"level"')
      expect(run.stderr).not.toMatch(/\n\s+at /)
    } finally {
      fake.resetFailures()
    }
  }, 60_000)

  it("says on stderr while it waits out Slack's Retry-After, then sends every DM once", async () => {
    const before = fake.callsOf('chat.postMessage').length
    fake.rateLimitNext('chat.postMessage', 2)
    try {
      const run = await runCli('alerts', '--db', paced, '--as-of', AS_OF)
      expect(run.code).toBe(0)
      expect(run.stderr).toMatch(
        /^Slack asked the app to slow down: waiting 1 s before sending more DMs \(none is lost or sent twice\)\.$/m,
      )
      const queued = Number(/(\d+) stalled-deal DMs? queued/.exec(run.stdout)?.[1])
      expect(run.stdout).toContain(`Delivered ${queued} `)
      expect(run.stdout).toMatch(/; 2 rate-limit waits\./)
      expect((await runCli('status', '--db', paced)).stdout).toMatch(
        /^Slack messages: none waiting to be sent; in the last 7 days none refused by Slack\.$/m,
      )
      // Two 429s, then each DM posted once.
      expect(fake.callsOf('chat.postMessage').length - before).toBe(queued + 2)
    } finally {
      fake.resetFailures()
    }
  }, 60_000)

  it('sends again a DM that Slack rate-limits with no Retry-After (nothing was posted), and delivers every DM once', async () => {
    const before = fake.callsOf('chat.postMessage').length
    fake.rateLimitNext('chat.postMessage', 1, true)
    try {
      const run = await runCli('alerts', '--db', bareLimit, '--as-of', AS_OF)
      expect(run.stderr).not.toMatch(/outcome unknown/)
      expect(run.code).toBe(0)
      const queued = Number(/(\d+) stalled-deal DMs? queued/.exec(run.stdout)?.[1])
      expect(run.stdout).toContain(`Delivered ${queued} `)
      expect(run.stdout).toContain('left for the next run 0')
      // One 429, then each DM posted once.
      const posts = fake.callsOf('chat.postMessage').slice(before)
      expect(posts.map((c) => c.status).filter((s) => s === 429)).toHaveLength(1)
      expect(posts.filter((c) => c.status === 200)).toHaveLength(queued)
    } finally {
      fake.resetFailures()
    }
  }, 60_000)

  it('leaves a win-rate alert waiting for its channel to the daily check: it neither posts it nor exits 1 over it', async () => {
    const store = await openStore({ path: waitingAlert })
    await enqueueOutboxMessage(store.db, {
      dedupeKey: 'anomaly:2024-05',
      kind: 'anomaly',
      dealId: null,
      recipientEmail: null,
      channelId: 'C0ALERTS',
      payload: { text: 'Win rate fell', blocks: [] },
      now: new Date(),
    })
    await store.db.updateTable('slack_outbox').set({ last_error: 'not_in_channel' }).where('dedupe_key', '=', 'anomaly:2024-05').execute()
    await store.close()
    const run = await runCli('alerts', '--db', waitingAlert, '--as-of', AS_OF)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/left for the next run 0;/)
    expect(fake.callsOf('chat.postMessage').filter((c) => c.params.channel === 'C0ALERTS')).toHaveLength(0)
    const after = await openStore({ path: waitingAlert })
    const row = await after.db
      .selectFrom('slack_outbox')
      .select('status')
      .where('dedupe_key', '=', 'anomaly:2024-05')
      .executeTakeFirstOrThrow()
    await after.close()
    expect(row.status).toBe('pending')
  }, 60_000)

  it('counts a DM skipped for a deal with no owner email as such, not as an owner missing from Slack', async () => {
    const dir = tempDir('pulse-alerts-')
    const csv = join(dir, 'deals.csv')
    writeFileSync(
      csv,
      [
        'deal_id,created_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email',
        'N1,2024-01-10,rep_x,Tech,EMEA,Core,Web,Proposal,80000,Open,2024-05-01,',
      ].join('\n'),
    )
    const store = join(dir, 'pulse.db')
    expect((await runCli('ingest', '--csv', csv, '--db', store)).code).toBe(0)
    const run = await runCli('alerts', '--db', store, '--as-of', AS_OF)
    expect(run.stdout).toMatch(/N1 .*\(no owner email\)/)
    expect(run.stdout).toMatch(/skipped 1 \(1 with no owner email\),/)
    expect(run.stdout).not.toMatch(/not in Slack|Slack has no user/)
  })

  it('tells the person who ran it what to do when Slack will not let the app post in a DM (not_in_channel), not to /invite it', async () => {
    clearDmMemory()
    fake.failNext('chat.postMessage', 'not_in_channel')
    try {
      const run = await runCli('alerts', '--db', dmRefused, '--as-of', AS_OF)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(
        /^ {2}not_in_channel, 1 message( \([^)]*\))?: Slack would not let the app post in its direct messages with the recipient \(no \/invite can add it to a DM\): check that the app's Messages tab is on/m,
      )
      expect(run.stderr).not.toMatch(/invite it there|set another channel/)
    } finally {
      fake.resetFailures()
    }
  })

  it("names the deal and Slack's reason for a DM Slack refuses for good, and does not say a rerun sends it", async () => {
    clearDmMemory()
    fake.failNext('conversations.open', 'cannot_dm_bot')
    try {
      const run = await runCli('alerts', '--db', refused, '--as-of', AS_OF)
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/failed 1, left for the next run 0/)
      expect(run.stderr).toMatch(/^ {2}message refused by Slack \(.*outboxId \d+, dealId \S+, code cannot_dm_bot\)\.$/m)
      expect(run.stderr).toMatch(/\(1 failed, 0 left for the next run\)/)
      expect(run.stderr).toMatch(/not sent again/)
      // Which DM, and what to do about it.
      expect(run.stderr).toMatch(
        /^ {2}cannot_dm_bot, 1 message( \([^)]*\))?: the recipient's Slack account is a bot: make a person the deal's owner in the CRM/m,
      )
      expect(run.stderr).not.toMatch(/DMs left are sent then/)
      const again = await runCli('alerts', '--db', refused, '--as-of', AS_OF)
      expect(again.code).toBe(0)
      // pulse status keeps telling the operator about it after the run's output is gone.
      const status = await runCli('status', '--db', refused)
      expect(status.stdout).toMatch(
        /^Slack messages: none waiting to be sent; in the last 7 days 1 refused by Slack for good \(cannot_dm_bot 1\)\. A refused message is not sent again; by Slack's reason, what to do:\n {2}cannot_dm_bot, 1 message( \([^)]*\))?: the recipient's Slack account is a bot: /m,
      )
      const json = JSON.parse((await runCli('status', '--db', refused, '--json')).stdout)
      expect(json.messages).toEqual({
        waiting: 0,
        refused: [
          {
            reason: 'cannot_dm_bot',
            count: 1,
            dealIds: expect.any(Array),
            digests: expect.any(Number),
            fix: expect.stringMatching(/is a bot: make a person/),
          },
        ],
        undeliverable: 0,
        dropped: 0,
      })
    } finally {
      fake.resetFailures()
    }
  }, 60_000)
})

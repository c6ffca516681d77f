import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireJobLock } from '../../src/db/acquire-job-lock.js'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { snoozeDeal } from '../../src/db/slack-snoozes.js'
import { addDays } from '../../src/domain/dates.js'
import { checkWinRateAnomaly } from '../../src/slack/alerts/check-winrate-anomaly.js'
import { planManagerDigests } from '../../src/slack/alerts/plan-manager-digests.js'
import { planStalledDealDms, STALL_PLAN_LOCK } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import { createSlackJobs } from '../../src/slack/app/create-slack-jobs.js'
import type { SlackContext } from '../../src/slack/app/slack-context.js'
import { DIGEST_OUTDATED, drainOutbox } from '../../src/slack/outbox/drain-outbox.js'
import { pruneOutbox } from '../../src/slack/outbox/prune-outbox.js'
import { type SlackFake, waitFor } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, sampleCompany } from './slack-test-app.js'
import { stallDmSetup } from './stall-dm-setup.js'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

const setup = (options: Parameters<typeof stallDmSetup>[1] = {}) => stallDmSetup(open, options)

/** Messages per outbox id, as Slack received them. */
function deliveriesByOutboxId(fake: SlackFake): Map<number, number> {
  const out = new Map<number, number>()
  for (const m of fake.messages) {
    const id = Number(m.metadata?.event_payload?.outbox_id)
    if (Number.isFinite(id)) out.set(id, (out.get(id) ?? 0) + 1)
  }
  return out
}

describe('stalled-deal DMs', () => {
  it('DMs each stalled deal once, with amount, stage, days idle and the three buttons, and not again on the next run', async () => {
    const { fake, ctx } = await setup()
    const first = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    expect(first.plan.alerts.length).toBe(first.plan.stalled)
    expect(first.drain.sent).toBe(first.plan.alerts.length)
    const dm = fake.messages[0]
    const text = JSON.stringify(dm?.blocks)
    expect(text).toContain('Snooze 7 days')
    expect(text).toContain('Updated in CRM')
    expect(text).toMatch(/Days idle/)
    expect(dm?.channel.startsWith('D')).toBe(true)
    const again = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    expect(again.plan.alerts).toEqual([])
    expect(again.drain.sent).toBe(0)
    expect([...deliveriesByOutboxId(fake).values()].every((n) => n === 1)).toBe(true)
  })

  it('sends a deal name with a bare link, channel name or @here as text that Slack parses nothing in', async () => {
    const { fake, ctx, company } = await setup()
    const name = '@here renew at https://evil.example/login before Friday #general'
    await company.store.db.updateTable('deals').set({ deal_name: name }).where('owner_email', '=', company.emails.rep).execute()
    await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    const dm = fake.messages.find((m) => JSON.stringify(m.blocks).includes(name))
    expect(dm, 'the DM about the renamed deal').toBeDefined()
    // Block Kit parses URLs, channel names and some mentions in mrkdwn text unless it is verbatim.
    const mrkdwn = JSON.stringify(dm?.blocks).match(/\{"type":"mrkdwn"[^}]*\}/g) ?? []
    expect(mrkdwn.length).toBeGreaterThan(2)
    for (const text of mrkdwn) expect(JSON.parse(text), text).toMatchObject({ verbatim: true })
  })

  it('sends every DM exactly once across a crash mid-send (SIGKILL) and a restart', async () => {
    const dbPath = join(tempDir('pulse-crash-'), 'pulse.db')
    const company = await sampleCompany(2500, dbPath)
    // A short claim, so that a message claimed but not yet posted when the child dies need not be waited for long.
    const { fake, ctx } = await setup({ company, env: { PULSE_OUTBOX_LEASE_MS: '1000' } })
    fake.hangOnPostMessage = 5
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'drain-child.ts'), dbPath, fake.apiUrl, company.rosterPath, AS_OF],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += String(d)
    })
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
    await waitFor(() => fake.callsOf('chat.postMessage').length >= 5, 30_000, `the child to send (${stderr})`)
    await new Promise((r) => setTimeout(r, 200))
    child.kill('SIGKILL')
    await exited
    const before = await countOutboxByStatus(company.store.db)
    expect(before.sending).toBeGreaterThan(0) // delivered, but never recorded as sent
    expect(before.pending).toBeGreaterThan(0) // recorded, never sent
    fake.hangOnPostMessage = undefined
    // The claimed messages whose post reached Slack: a busy machine may kill the child between a
    // claim and its post, and that message is then sent like a pending one once its claim has run out.
    const claimed = await company.store.db.selectFrom('slack_outbox').select('outbox_id').where('status', '=', 'sending').execute()
    const reached = deliveriesByOutboxId(fake)
    const arrived = claimed.filter((r) => reached.has(Number(r.outbox_id))).length
    expect(arrived).toBeGreaterThan(0)
    const restart = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    expect(restart.drain.recovered).toBe(arrived)
    if (restart.drain.heldElsewhere > 0) {
      await new Promise((r) => setTimeout(r, 1100))
      expect((await drainOutbox(ctx, { perChannelIntervalMs: 0 })).sent).toBe(restart.drain.heldElsewhere)
    }
    const after = await countOutboxByStatus(company.store.db)
    expect(after.pending + after.sending + after.failed).toBe(0)
    const deliveries = deliveriesByOutboxId(fake)
    expect(deliveries.size).toBe(after.sent)
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true)
  }, 60_000)

  it('honours 429 Retry-After through a storm and loses and duplicates nothing', async () => {
    const { fake, ctx } = await setup({ fake: { perChannelIntervalMs: 1000 } })
    fake.rateLimitNext('chat.postMessage', 6)
    fake.rateLimitNext('users.lookupByEmail', 2)
    fake.rateLimitNext('conversations.open', 2)
    const { plan, drain } = await sendStalledDealDms(ctx, { perChannelIntervalMs: 50 })
    expect(fake.calls.filter((c) => c.status === 429).length).toBeGreaterThan(6)
    expect(drain.rateLimited).toBeGreaterThan(6)
    expect(drain.sent).toBe(plan.alerts.length)
    const deliveries = deliveriesByOutboxId(fake)
    expect(deliveries.size).toBe(plan.alerts.length)
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true)
  }, 60_000)

  it("waits out a 429's Retry-After before sending any more DMs, to any channel (Slack's limit is also per workspace)", async () => {
    const { fake, ctx } = await setup({ fake: { retryAfterSeconds: 1 } })
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    expect(plan.alerts.length).toBeGreaterThan(5)
    fake.rateLimitNext('chat.postMessage', 1)
    const drain = await drainOutbox(ctx, { kinds: ['stall_dm'], perChannelIntervalMs: 0, concurrency: 1 })
    expect(drain.rateLimited).toBe(1)
    const posts = fake.callsOf('chat.postMessage')
    const limited = posts.find((c) => c.status === 429)
    expect(limited).toBeDefined()
    // Every post after the 429, to whichever DM channel, came once its Retry-After was over.
    const after = posts.filter((c) => c.at > (limited?.at ?? 0))
    expect(after.length).toBe(plan.alerts.length)
    for (const c of after) expect(c.at - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950)
    expect(deliveriesByOutboxId(fake).size).toBe(plan.alerts.length)
  })

  it('a revoked token stops the run with the fix for the admins and loses no DM: all go out once the token works again', async () => {
    const { fake, ctx, company } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    fake.failNext('chat.postMessage', 'invalid_auth', 3)
    await expect(drainOutbox(ctx, { perChannelIntervalMs: 0 })).rejects.toThrow(
      /Slack refused Sales Pulse \(invalid_auth\).*SLACK_BOT_TOKEN/,
    )
    const counts = await countOutboxByStatus(company.store.db)
    expect(counts.failed).toBe(0)
    expect(fake.callsOf('chat.postMessage').length).toBeLessThan(plan.alerts.length)
    // Until Slack is asked again whether the token works (a minute on), a drain calls Slack not at all.
    const calls = fake.calls.length
    const paused = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(paused).toMatchObject({ sent: 0, left: counts.pending, paused: expect.stringContaining('SLACK_BOT_TOKEN') })
    expect(fake.calls.length).toBe(calls)
    const later: SlackContext = { ...ctx, clock: { now: () => new Date(Date.now() + 61_000), asOf: () => AS_OF } }
    fake.failNext('users.lookupByEmail', 'missing_scope', 1)
    await expect(drainOutbox(later, { perChannelIntervalMs: 0 })).rejects.toThrow(/missing_scope/)
    await drainOutbox(later, { perChannelIntervalMs: 0 })
    expect((await countOutboxByStatus(company.store.db)).sent).toBe(plan.alerts.length)
    expect(deliveriesByOutboxId(fake).size).toBe(plan.alerts.length)
    expect([...deliveriesByOutboxId(fake).values()].every((n) => n === 1)).toBe(true)
  })

  it('a revoked token with one DM left says that one message waits', async () => {
    const { fake, ctx, company } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    expect(plan.alerts.length).toBeGreaterThan(1)
    const [first] = await company.store.db.selectFrom('slack_outbox').select('outbox_id').orderBy('outbox_id').limit(1).execute()
    await company.store.db
      .updateTable('slack_outbox')
      .set({ status: 'sent' })
      .where('outbox_id', '!=', first?.outbox_id ?? -1)
      .execute()
    fake.failNext('chat.postMessage', 'invalid_auth', 3)
    await expect(drainOutbox(ctx, { perChannelIntervalMs: 0 })).rejects.toThrow(
      /so 1 message waits in the outbox\. .* It goes out on the next run after that\./,
    )
  })

  it('a revoked token counts as waiting only the DMs someone can receive: those of owners without an email are skipped', async () => {
    const { fake, ctx, company } = await setup()
    await planStalledDealDms(ctx, { asOf: AS_OF })
    const rows = await company.store.db.selectFrom('slack_outbox').select('outbox_id').orderBy('outbox_id').execute()
    expect(rows.length).toBeGreaterThan(3)
    // The last two stalled deals' owners have no email: nobody can be DMed about them.
    const noEmail = rows.slice(-2).map((r) => r.outbox_id)
    await company.store.db.updateTable('slack_outbox').set({ recipient_email: null }).where('outbox_id', 'in', noEmail).execute()
    fake.failNext('users.lookupByEmail', 'invalid_auth', 1)
    const error = await drainOutbox(ctx, { perChannelIntervalMs: 0 }).catch((e: unknown) => e)
    const waiting = Number(/Slack refused Sales Pulse \(invalid_auth\), so (\d+) messages? waits? in the outbox\./.exec(String(error))?.[1])
    const counts = await countOutboxByStatus(company.store.db)
    expect(counts.skipped).toBe(2)
    expect(counts.pending).toBeGreaterThan(0)
    expect(waiting).toBe(counts.pending)
  })

  it('tries again within the run when Slack answers an error that may pass (internal_error), and sends each DM once', async () => {
    const { fake, ctx, company } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    expect(plan.alerts.length).toBeGreaterThan(1)
    fake.failNext('chat.postMessage', 'internal_error', 2)
    fake.failNext('conversations.open', 'service_unavailable', 1)
    const result = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(result).toMatchObject({ sent: plan.alerts.length, left: 0, failed: 0 })
    expect((await countOutboxByStatus(company.store.db)).sent).toBe(plan.alerts.length)
    expect([...deliveriesByOutboxId(fake).values()].every((n) => n === 1)).toBe(true)
  })

  it('leaves a message pending for the next run once an error that may pass outlasts the retries', async () => {
    const { fake, ctx, company } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    fake.failNext('chat.postMessage', 'internal_error', 1000)
    const result = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(result).toMatchObject({ sent: 0, left: plan.alerts.length, failed: 0 })
    expect((await countOutboxByStatus(company.store.db)).pending).toBe(plan.alerts.length)
  }, 30_000)

  it.each([
    ['conversations.open', 'user_not_visible'],
    ['chat.postMessage', 'channel_is_archived'],
    ['chat.postMessage', 'not_allowed_by_some_new_policy'],
  ])(
    'gives up at once on a DM that %s refuses with %s (not an error that may pass), records why, and never sends it again',
    async (method, code) => {
      const { fake, ctx, company } = await setup()
      const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
      expect(plan.alerts.length).toBeGreaterThan(1)
      fake.failNext(method, code, 1)
      const first = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
      expect(first).toMatchObject({ sent: plan.alerts.length - 1, failed: 1, left: 0 })
      expect(first.refused).toEqual([{ reason: code, kind: 'stall_dm', dealId: expect.any(String) }])
      const failed = await company.store.db.selectFrom('slack_outbox').selectAll().where('status', '=', 'failed').execute()
      expect(failed.map((r) => [r.deal_id, r.last_error])).toEqual([[first.refused[0]?.dealId, code]])
      const calls = fake.calls.length
      const again = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
      expect(again).toMatchObject({ sent: 0, failed: 0, left: 0 })
      expect(fake.calls.length).toBe(calls)
      expect((await countOutboxByStatus(company.store.db)).failed).toBe(1)
    },
  )

  it('stops and keeps every DM pending when Slack refuses the token type (not_allowed_token_type): no DM is given up', async () => {
    const { fake, ctx, company } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    fake.failNext('chat.postMessage', 'not_allowed_token_type', 1)
    await expect(drainOutbox(ctx, { perChannelIntervalMs: 0, concurrency: 1 })).rejects.toThrow(
      /not_allowed_token_type.*SLACK_BOT_TOKEN is not the app's Bot User OAuth Token/,
    )
    expect(await countOutboxByStatus(company.store.db)).toMatchObject({ failed: 0, pending: plan.alerts.length })
  })

  it('stops with the fix when Slack refuses the history a DM of unknown outcome must be checked in (missing_scope), sending nothing', async () => {
    const { fake, ctx, company } = await setup({ env: { PULSE_OUTBOX_LEASE_MS: '1' } })
    await planStalledDealDms(ctx, { asOf: AS_OF })
    // Slack's answer to one post is lost (an HTTP 503): whether it arrived is unknown.
    fake.failNextHttp('chat.postMessage', 503, 1)
    const first = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(first.left).toBe(1)
    expect((await countOutboxByStatus(company.store.db)).sending).toBe(1)
    const posts = fake.callsOf('chat.postMessage').length
    await new Promise((r) => setTimeout(r, 5))
    fake.failNext('conversations.history', 'missing_scope', 1)
    await expect(drainOutbox(ctx, { perChannelIntervalMs: 0 })).rejects.toThrow(/missing_scope.*reinstall the app from its manifest\.yml/)
    expect(fake.callsOf('chat.postMessage')).toHaveLength(posts)
    expect((await countOutboxByStatus(company.store.db)).sending).toBe(1)
    // Once the scope is granted, it is checked, found missing and sent, once.
    const again = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(again).toMatchObject({ sent: 1, left: 0 })
    expect([...deliveriesByOutboxId(fake).values()].every((n) => n === 1)).toBe(true)
  })

  it('settles as failed a DM of unknown outcome whose channel Slack says cannot be read (channel_not_found), instead of checking it on every run', async () => {
    const { fake, ctx, company } = await setup({ env: { PULSE_OUTBOX_LEASE_MS: '1' } })
    await planStalledDealDms(ctx, { asOf: AS_OF })
    fake.failNextHttp('chat.postMessage', 503, 1)
    await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    await new Promise((r) => setTimeout(r, 5))
    fake.failNext('conversations.history', 'channel_not_found', 1)
    const second = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(second).toMatchObject({ failed: 1, left: 0 })
    expect(second.refused).toEqual([{ reason: 'channel_not_found', kind: expect.any(String), dealId: expect.anything() }])
    expect(await countOutboxByStatus(company.store.db)).toMatchObject({ sending: 0, failed: 1, pending: 0 })
  })

  it('skips an owner whose email Slack does not know, asking Slack only once', async () => {
    const { fake, ctx, company } = await setup({ users: (c) => c.users.filter((u) => u.email !== c.emails.rep) })
    const repDeals = (await planStalledDealDms(ctx, { asOf: AS_OF, dryRun: true })).alerts.filter(
      (a) => a.ownerEmail === company.emails.rep,
    )
    expect(repDeals.length).toBeGreaterThan(1)
    const { drain } = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    expect(drain.skipped).toBe(repDeals.length)
    await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    const lookups = fake.callsOf('users.lookupByEmail').filter((c) => c.params.email === company.emails.rep)
    expect(lookups).toHaveLength(1)
    expect((await countOutboxByStatus(company.store.db)).skipped).toBe(repDeals.length)
  })

  it("DMs an owner who joins Slack after their DM was skipped, once the day's miss has passed", async () => {
    const { fake, ctx, company } = await setup({ users: (c) => c.users.filter((u) => u.email !== c.emails.rep) })
    const first = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    const repDeals = first.plan.alerts.filter((a) => a.ownerEmail === company.emails.rep).map((a) => a.dealId)
    expect(repDeals.length).toBeGreaterThan(0)
    expect(first.drain.skipped).toBe(repDeals.length)
    const about = (dealId: string) => fake.messages.filter((m) => JSON.stringify(m.blocks).includes(`Deal ${dealId}.`))
    // The rep joins Slack later that day.
    fake.users.push({ id: 'UREPJOINED', email: company.emails.rep })
    await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    expect(repDeals.flatMap(about)).toEqual([])
    const tomorrow = { ...ctx, clock: { now: () => new Date(Date.now() + 25 * 3_600_000), asOf: () => addDays(AS_OF, 1) } }
    const next = await sendStalledDealDms(tomorrow, { perChannelIntervalMs: 0 })
    expect(next.plan.alerts.filter((a) => a.ownerEmail === company.emails.rep).map((a) => a.dealId)).toEqual(
      expect.arrayContaining(repDeals),
    )
    for (const dealId of repDeals) expect(about(dealId), dealId).toHaveLength(1)
    await sendStalledDealDms(tomorrow, { perChannelIntervalMs: 0 })
    for (const dealId of repDeals) expect(about(dealId), dealId).toHaveLength(1)
  })

  it("DMs an owner who joined Slack at the next day's run, even when it comes at the very time of day the miss was recorded", async () => {
    const { fake, ctx, company } = await setup({ users: (c) => c.users.filter((u) => u.email !== c.emails.rep) })
    // Today's weekday run starts at 09:00:00; the miss is recorded a moment later, as the DMs go out.
    const nine = Date.now()
    const today = { ...ctx, clock: { now: () => new Date(), asOf: () => AS_OF } }
    const first = await sendStalledDealDms(today, { perChannelIntervalMs: 0 })
    const repDeals = first.plan.alerts.filter((a) => a.ownerEmail === company.emails.rep).map((a) => a.dealId)
    expect(repDeals.length).toBeGreaterThan(0)
    expect(first.drain.skipped).toBe(repDeals.length)
    fake.users.push({ id: 'UREPJOINED', email: company.emails.rep })
    // The next day's run starts at 09:00:00 again: a day after the run, a moment less after the miss.
    const tomorrow = { ...ctx, clock: { now: () => new Date(nine + 24 * 3_600_000), asOf: () => addDays(AS_OF, 1) } }
    await sendStalledDealDms(tomorrow, { perChannelIntervalMs: 0 })
    for (const dealId of repDeals) {
      expect(
        fake.messages.filter((m) => JSON.stringify(m.blocks).includes(`Deal ${dealId}.`)),
        dealId,
      ).toHaveLength(1)
    }
  })

  it('keeps a snoozed deal quiet until the snooze ends', async () => {
    const { ctx, company, setAsOf } = await setup()
    const dry = await planStalledDealDms(ctx, { asOf: AS_OF, dryRun: true })
    const target = dry.alerts[0]?.dealId as string
    await snoozeDeal(company.store.db, { dealId: target, untilDate: addDays(AS_OF, 7), by: 'UREP000001', now: new Date() })
    const day0 = await planStalledDealDms(ctx, { asOf: AS_OF })
    expect(day0.alerts.map((a) => a.dealId)).not.toContain(target)
    setAsOf(addDays(AS_OF, 3))
    expect((await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 3) })).alerts.map((a) => a.dealId)).not.toContain(target)
    expect((await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 8) })).alerts.map((a) => a.dealId)).toContain(target)
  })

  it('ends the episode when the deal is active again, and DMs once more when it stalls again', async () => {
    const { ctx, company } = await setup()
    const first = await planStalledDealDms(ctx, { asOf: AS_OF })
    const target = first.alerts[0]?.dealId as string
    const db = company.store.db
    await db.updateTable('deals').set({ last_activity_date: AS_OF, updated_date: AS_OF }).where('deal_id', '=', target).execute()
    const active = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 1) })
    expect(active.episodesEnded).toBeGreaterThanOrEqual(1)
    expect(active.alerts.map((a) => a.dealId)).not.toContain(target)
    const stalledAgain = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 20) })
    expect(stalledAgain.alerts.map((a) => a.dealId)).toContain(target)
    const rows = await db.selectFrom('slack_outbox').select('dedupe_key').where('deal_id', '=', target).execute()
    expect(rows).toHaveLength(2)
  })

  it('does not DM again when an import brings in older activity of the same quiet spell, and DMs once more after new activity and a new stall', async () => {
    const { ctx, company } = await setup()
    const first = await planStalledDealDms(ctx, { asOf: AS_OF })
    const target = first.alerts.find((a) => a.daysIdle >= 20)
    expect(target, 'a deal idle 20 days or more').toBeDefined()
    const { dealId, daysIdle } = target as (typeof first.alerts)[number]
    const db = company.store.db
    // The next export shows a call 3 days later than the activity known then: still weeks before the DM.
    await db
      .updateTable('deals')
      .set({ last_activity_date: addDays(AS_OF, 3 - daysIdle) })
      .where('deal_id', '=', dealId)
      .execute()
    const next = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 1) })
    expect(next.alerts.map((a) => a.dealId)).not.toContain(dealId)
    // A call two days after the DM, then another quiet spell (no run in between): a new stall, a new DM.
    await db
      .updateTable('deals')
      .set({ last_activity_date: addDays(AS_OF, 2) })
      .where('deal_id', '=', dealId)
      .execute()
    const later = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 16) })
    expect(later.alerts.map((a) => a.dealId)).toContain(dealId)
    const rows = await db.selectFrom('slack_outbox').select('dedupe_key').where('deal_id', '=', dealId).execute()
    expect(rows).toHaveLength(2)
  })

  it('DMs again when a late import shows the deal had a call days before its DM and has stalled only since', async () => {
    const { ctx, company } = await setup()
    const first = await planStalledDealDms(ctx, { asOf: AS_OF })
    const { dealId } = first.alerts[0] as (typeof first.alerts)[number]
    const db = company.store.db
    // A call 5 days before the DM, known only from an import 10 days after it: idle 15 days then, stalled since day 9.
    await db
      .updateTable('deals')
      .set({ last_activity_date: addDays(AS_OF, -5) })
      .where('deal_id', '=', dealId)
      .execute()
    const late = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 10) })
    expect(late.alerts.map((a) => a.dealId)).toContain(dealId)
  })

  it('DMs the new owner once when a stalled deal is handed to another rep, and nobody else', async () => {
    const { ctx, company } = await setup()
    const first = await planStalledDealDms(ctx, { asOf: AS_OF })
    const target = first.alerts.find((a) => a.ownerEmail === company.emails.rep)?.dealId as string
    expect(target).toBeDefined()
    const db = company.store.db
    const other = await db.selectFrom('owners').select('owner_id').where('email', '=', company.emails.otherRep).executeTakeFirstOrThrow()
    await db
      .updateTable('deals')
      .set({ owner_id: other.owner_id, owner_email: company.emails.otherRep })
      .where('deal_id', '=', target)
      .execute()
    const next = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 1) })
    expect(next.alerts.filter((a) => a.dealId === target)).toEqual([expect.objectContaining({ ownerEmail: company.emails.otherRep })])
    const later = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 2) })
    expect(later.alerts.map((a) => a.dealId)).not.toContain(target)
    const rows = await db.selectFrom('slack_outbox').select('recipient_email').where('deal_id', '=', target).orderBy('outbox_id').execute()
    expect(rows.map((r) => r.recipient_email)).toEqual([company.emails.rep, company.emails.otherRep])
  })

  it('drops a DM still waiting to be sent once its stall is over: the deal closed, or went to another owner', async () => {
    const { fake, ctx, company } = await setup()
    // Planned while Slack was out of reach: every DM waits in the outbox.
    const first = await planStalledDealDms(ctx, { asOf: AS_OF })
    const [won, handed] = first.alerts.filter((a) => a.ownerEmail === company.emails.rep).map((a) => a.dealId)
    expect(handed, 'two stalled deals of the rep').toBeDefined()
    const db = company.store.db
    await db
      .updateTable('deals')
      .set({ outcome: 'won', closed_date: AS_OF, last_activity_date: AS_OF, updated_date: AS_OF })
      .where('deal_id', '=', won as string)
      .execute()
    const other = await db.selectFrom('owners').select('owner_id').where('email', '=', company.emails.otherRep).executeTakeFirstOrThrow()
    await db
      .updateTable('deals')
      .set({ owner_id: other.owner_id, owner_email: company.emails.otherRep })
      .where('deal_id', '=', handed as string)
      .execute()
    await planStalledDealDms(ctx, { asOf: AS_OF })
    await drainOutbox(ctx, { kinds: ['stall_dm'], perChannelIntervalMs: 0 })
    const about = (dealId: string) => fake.messages.filter((m) => JSON.stringify(m.blocks).includes(`Deal ${dealId}.`))
    expect(about(won as string)).toEqual([])
    expect(about(handed as string)).toHaveLength(1)
    const rows = await db
      .selectFrom('slack_outbox')
      .select(['recipient_email', 'status'])
      .where('deal_id', '=', handed as string)
      .orderBy('outbox_id')
      .execute()
    expect(rows).toEqual([
      { recipient_email: company.emails.rep, status: 'skipped' },
      { recipient_email: company.emails.otherRep, status: 'sent' },
    ])
  })

  it('prunes delivered DMs a month old only where no open stall episode could ask for them again: nothing is sent twice', async () => {
    const { fake, ctx, company } = await setup()
    const first = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    await planManagerDigests(ctx, AS_OF)
    await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    const sent = fake.callsOf('chat.postMessage').length
    const db = company.store.db
    // One deal moved again: its episode ends; every other episode stays open.
    const moved = first.plan.alerts[0]?.dealId as string
    await db.updateTable('deals').set({ last_activity_date: AS_OF, updated_date: AS_OF }).where('deal_id', '=', moved).execute()
    await planStalledDealDms(ctx, { asOf: AS_OF })
    const monthLater = { ...ctx, clock: { now: () => new Date(Date.now() + 40 * 86_400_000), asOf: () => AS_OF } }
    const pruned = await pruneOutbox(monthLater)
    expect(pruned).toBe(1)
    const left = await db.selectFrom('slack_outbox').select(['deal_id', 'kind']).execute()
    expect(left.some((r) => r.deal_id === moved)).toBe(false)
    expect(left.filter((r) => r.kind === 'stall_dm')).toHaveLength(first.plan.alerts.length - 1)
    // Today's digests (PULSE_AS_OF pinned) stay too: planning them again records nothing.
    expect(left.filter((r) => r.kind === 'digest').length).toBeGreaterThan(0)
    await sendStalledDealDms(monthLater as SlackContext, { perChannelIntervalMs: 0 })
    await planManagerDigests(ctx, AS_OF)
    await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(fake.callsOf('chat.postMessage').length).toBe(sent)
  })

  it("sends each manager one daily digest of their team's stalled deals", async () => {
    const { fake, ctx, company } = await setup()
    const queued = await planManagerDigests(ctx, AS_OF)
    expect(queued).toBeGreaterThan(0)
    expect(await planManagerDigests(ctx, AS_OF)).toBe(0)
    await drainOutbox(ctx, { kinds: ['digest'], perChannelIntervalMs: 0 })
    const mgrDm = fake.messages.filter((m) => m.channel === 'DMGR000001')
    expect(mgrDm).toHaveLength(1)
    const team = company.roster.managers.get(company.emails.manager) as ReadonlySet<string>
    const shown = [...JSON.stringify(mgrDm[0]?.blocks).matchAll(/, ([a-z.]+@acme\.example)/g)].map((m) => m[1] as string)
    expect(shown.length).toBeGreaterThan(0)
    for (const e of shown) expect(team.has(e) || e === company.emails.manager).toBe(true)
  })

  it('sends no digest to a manager with no one on their team: their own stalled deals come as owner DMs', async () => {
    const { ctx, company } = await setup()
    const rules = { alertAmount: ctx.config.alertAmount, idleDays: ctx.config.idleDays, staleDays: ctx.config.staleDays }
    const stalled = await ctx.services.stalled(company.store.db, { asOf: AS_OF, openNow: true, rules })
    const solo = stalled.stalled.map((d) => d.ownerEmail).find((e) => e !== null && !company.roster.managers.has(e)) as string
    expect(solo).toBeDefined()
    // The owner of a stalled deal named a manager with an empty team (and, as written, with only themselves).
    for (const team of [new Set<string>(), new Set([solo])]) {
      ;(company.roster.managers as Map<string, ReadonlySet<string>>).set(solo, team)
      await planManagerDigests(ctx, AS_OF)
      const keys = (await company.store.db.selectFrom('slack_outbox').select('dedupe_key').execute()).map((r) => r.dedupe_key)
      expect(keys).not.toContain(`digest:${solo}:${AS_OF}`)
      expect(keys).toContain(`digest:${company.emails.manager}:${AS_OF}`)
    }
  })

  it("sends a manager only today's digest when an earlier day's is still waiting (Slack was down), not both", async () => {
    const { fake, ctx, setAsOf } = await setup()
    const yesterday = addDays(AS_OF, -1)
    setAsOf(yesterday)
    expect(await planManagerDigests(ctx, yesterday)).toBeGreaterThan(0)
    // Nothing went out yesterday; today's job plans today's digest and delivers the outbox.
    setAsOf(AS_OF)
    await createSlackJobs(ctx, ctx.pacedClient).stalledDealDms()
    const mgrDm = fake.messages.filter((m) => m.channel === 'DMGR000001')
    expect(mgrDm).toHaveLength(1)
    expect(JSON.stringify(mgrDm[0]?.blocks)).toContain(`As of ${AS_OF}.`)
    const old = await ctx.store.db
      .selectFrom('slack_outbox')
      .select(['status', 'last_error'])
      .where('dedupe_key', 'like', `digest:%:${yesterday}`)
      .execute()
    expect(old.length).toBeGreaterThan(0)
    for (const r of old) expect(r).toEqual({ status: 'skipped', last_error: DIGEST_OUTDATED })
  })
})

describe('job bodies for the scheduler', () => {
  it('anomalyCheck posts the alert, stalledDealDms sends DMs and digests, notifyAdmins reaches the admins', async () => {
    const { fake, ctx } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01').length).toBeGreaterThan(0)
    await jobs.stalledDealDms()
    expect(fake.messages.some((m) => m.channel === 'DMGR000001')).toBe(true)
    expect(fake.messages.filter((m) => m.metadata?.event_type === 'sales_pulse_outbox').length).toBeGreaterThan(5)
    await jobs.notifyAdmins('The sync job failed: the CRM refused our credentials.')
    const toAdmin = fake.messages.filter((m) => m.channel === 'DADMIN0001')
    expect(toAdmin).toHaveLength(1)
    expect(toAdmin[0]?.text).toContain('sync job failed')
  })
})

describe('the scheduled DM job on shutdown', () => {
  it('stops at once while it waits for a plan another process holds, and plans no DM and sends nothing', async () => {
    const { fake, ctx } = await setup()
    // `pulse alerts` on another machine holds the plan (or died holding it: its lease runs 2 minutes).
    expect(await acquireJobLock(ctx.store.db, STALL_PLAN_LOCK, 'other-host:7#run', 10 * 60_000, new Date())).toBe(true)
    const stopping = new AbortController()
    const job = createSlackJobs(ctx, ctx.pacedClient).stalledDealDms(stopping.signal)
    const settled = job.then(
      () => 'resolved',
      () => 'rejected',
    )
    await new Promise((r) => setTimeout(r, 300))
    const stoppedAt = Date.now()
    stopping.abort()
    expect(await settled).toBe('rejected')
    expect(Date.now() - stoppedAt).toBeLessThan(2000)
    expect(fake.callsOf('chat.postMessage')).toEqual([])
    // No stall episode's DM was planned (the managers' digests, planned first, wait in the outbox).
    const planned = await ctx.store.db.selectFrom('slack_outbox').select('kind').where('kind', '=', 'stall_dm').execute()
    expect(planned).toEqual([])
  })
})

describe('admin alerts', () => {
  it("quotes a CRM's error text as text: no link or mention of its own reaches the admins", async () => {
    const { fake, ctx } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    await jobs.notifyAdmins(
      'the scheduled job "sync" failed: HubSpot did not accept HUBSPOT_TOKEN (HTTP 401, last saying "<!channel> see <https://evil.example/login|HubSpot login> & retry").',
    )
    const text = fake.messages.find((m) => m.channel === 'DADMIN0001')?.text ?? ''
    expect(text).toContain('&lt;!channel&gt; see &lt;https://evil.example/login|HubSpot login&gt; &amp; retry')
    expect(text).not.toMatch(/<[!@#h]/)
  })
})

describe('the scheduled DM job when Slack refuses some DMs for good', () => {
  it('sends the others, then fails so the admins hear of it, and passes on the next run without sending anything twice', async () => {
    const { fake, ctx } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    fake.failNext('conversations.open', 'cannot_dm_bot')
    // The admins are told which deal and what to do about it.
    await expect(jobs.stalledDealDms()).rejects.toThrow(
      /Slack refused 1 DM .*for good.*cannot_dm_bot, 1 message( \([^)]*\))?: the recipient's Slack account is a bot: make a person the deal's owner/,
    )
    const sent = fake.messages.filter((m) => m.metadata?.event_type === 'sales_pulse_outbox').length
    expect(sent).toBeGreaterThan(5)
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ failed: 1, pending: 0, sending: 0 })
    await jobs.stalledDealDms()
    expect(fake.messages.filter((m) => m.metadata?.event_type === 'sales_pulse_outbox')).toHaveLength(sent)
  })
})

describe('the scheduled DM job when Slack will not let the app post in a DM (not_in_channel, channel_not_found)', () => {
  it('tells the admins what they can do about the DM, not to /invite the app into a channel', async () => {
    for (const code of ['not_in_channel', 'channel_not_found']) {
      const { fake, ctx } = await setup()
      fake.failNext('chat.postMessage', code)
      const failure = await createSlackJobs(ctx, ctx.pacedClient)
        .stalledDealDms()
        .then(
          () => null,
          (error: Error) => error.message,
        )
      expect(failure, code).toMatch(
        new RegExp(
          `${code}, 1 message \\([^)]+\\): Slack would not let the app post in its direct messages with the recipient \\(no /invite can add it to a DM\\): check that the app's Messages tab is on`,
        ),
      )
      expect(failure, code).not.toMatch(/invite it there|set another channel/)
    }
  })
})

describe('win-rate anomaly alert', () => {
  it('posts once to the alert channel with the evidence, and the chart in its thread', async () => {
    const { fake, ctx } = await setup()
    const check = await checkWinRateAnomaly(ctx, AS_OF)
    expect(check.month?.anomaly).toBe('low')
    expect(check.queued).toBe(true)
    expect((await checkWinRateAnomaly(ctx, AS_OF)).queued).toBe(false)
    await drainOutbox(ctx, { kinds: ['anomaly'] })
    const posts = fake.messages.filter((m) => m.channel === 'C0ALERTS01')
    expect(posts).toHaveLength(2)
    expect(JSON.stringify(posts[0]?.blocks)).toContain('Normal range')
    // The baseline's months read as the alert's own month does ("May 2024"), not as "2023-05".
    expect(JSON.stringify(posts[0]?.blocks)).toMatch(/deals closed [A-Z][a-z]+ \d{4} to [A-Z][a-z]+ \d{4}\./)
    expect(posts[1]?.threadTs).toBe(posts[0]?.ts)
    expect(fake.pngUploads()).toHaveLength(1)
    await drainOutbox(ctx, { kinds: ['anomaly'] })
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(2)
  })

  it("still puts the chart in the alert's thread when Slack's upload URL fails once (a 503), with a new upload URL", async () => {
    const { fake, ctx } = await setup()
    await checkWinRateAnomaly(ctx, AS_OF)
    fake.failNextUpload(503)
    await drainOutbox(ctx, { kinds: ['anomaly'] })
    const posts = fake.messages.filter((m) => m.channel === 'C0ALERTS01')
    expect(posts).toHaveLength(2)
    expect(posts[1]?.threadTs).toBe(posts[0]?.ts)
    expect(fake.callsOf('files.getUploadURLExternal')).toHaveLength(2)
    expect(fake.pngUploads()).toHaveLength(1)
  })

  it('an alert channel the app is not in fails the job with the fix, and the alert goes out once the app is invited', async () => {
    const { fake, ctx } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    fake.failNext('chat.postMessage', 'not_in_channel')
    await expect(jobs.anomalyCheck()).rejects.toThrow(/C0ALERTS01.*not_in_channel.*\/invite @Sales Pulse/)
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(0)
    await jobs.anomalyCheck()
    const posts = fake.messages.filter((m) => m.channel === 'C0ALERTS01' && m.threadTs === undefined)
    expect(posts).toHaveLength(1)
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01' && m.threadTs === undefined)).toHaveLength(1)
  })

  it("an alert channel where Slack's settings keep the app from posting (restricted_action) fails the job with that fix, keeps the alert, and posts it once allowed", async () => {
    const { fake, ctx } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    fake.failNext('chat.postMessage', 'restricted_action')
    await expect(jobs.anomalyCheck()).rejects.toThrow(/C0ALERTS01.*restricted_action.*do not let the app post there/)
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(0)
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ pending: 1, failed: 0 })
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01' && m.threadTs === undefined)).toHaveLength(1)
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01' && m.threadTs === undefined)).toHaveLength(1)
  })

  it('tells the admins why when Slack refuses the alert for good (an error not about access to the channel), and does not post it again', async () => {
    const { fake, ctx } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    fake.failNext('chat.postMessage', 'team_access_not_granted', 1)
    await expect(jobs.anomalyCheck()).rejects.toThrow(
      /refused the win-rate alert .*for good.*team_access_not_granted, 1 message \(the win-rate alert\): Slack answers "team_access_not_granted"/,
    )
    const calls = fake.callsOf('chat.postMessage').length
    await jobs.anomalyCheck()
    expect(fake.callsOf('chat.postMessage')).toHaveLength(calls)
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ failed: 1, pending: 0 })
  })

  it('an alert whose send was cut off and whose channel then refuses the app (channel_not_found) is named to the admins, and goes once to the channel they name next', async () => {
    const { fake, ctx } = await setup({ env: { PULSE_OUTBOX_LEASE_MS: '1' } })
    await checkWinRateAnomaly(ctx, AS_OF)
    // No answer to the post: it may have arrived, so the next run looks in the channel first.
    fake.failNextHttp('chat.postMessage', 503, 1)
    await drainOutbox(ctx, { perChannelIntervalMs: 0, kinds: ['anomaly'] })
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ sending: 1 })
    await new Promise((r) => setTimeout(r, 5))
    fake.failNext('conversations.history', 'channel_not_found', 10)
    await expect(createSlackJobs(ctx, ctx.pacedClient).anomalyCheck()).rejects.toThrow(
      /\(C0ALERTS01\): channel_not_found\. Invite the app with \/invite @Sales Pulse in that channel \(or set another channel\)/,
    )
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ sending: 1, failed: 0 })
    const moved: SlackContext = { ...ctx, config: { ...ctx.config, alertChannel: 'C0OTHER001' } }
    const jobs = createSlackJobs(moved, moved.pacedClient)
    await jobs.anomalyCheck()
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0OTHER001' && m.threadTs === undefined)).toHaveLength(1)
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ sending: 0, sent: 1 })
  })

  it('drops an alert whose send was cut off in a channel that then refuses the app once PULSE_ALERT_CHANNEL is unset, and the daily check passes', async () => {
    const { fake, ctx, company } = await setup({ env: { PULSE_OUTBOX_LEASE_MS: '1' } })
    await checkWinRateAnomaly(ctx, AS_OF)
    fake.failNextHttp('chat.postMessage', 503, 1)
    await drainOutbox(ctx, { perChannelIntervalMs: 0, kinds: ['anomaly'] })
    await new Promise((r) => setTimeout(r, 5))
    fake.failNext('conversations.history', 'channel_not_found', 10)
    await expect(createSlackJobs(ctx, ctx.pacedClient).anomalyCheck()).rejects.toThrow(/\(C0ALERTS01\): channel_not_found/)
    const off: SlackContext = { ...ctx, config: { ...ctx.config, alertChannel: undefined } }
    await createSlackJobs(off, off.pacedClient).anomalyCheck()
    await createSlackJobs(off, off.pacedClient).anomalyCheck()
    expect(fake.messages.filter((m) => m.threadTs === undefined)).toHaveLength(0)
    const rows = await company.store.db.selectFrom('slack_outbox').select('status').where('kind', '=', 'anomaly').execute()
    expect(rows).toEqual([{ status: 'skipped' }])
  })

  it('drops an alert whose send was cut off in a channel that then refuses the app once a later month is the latest complete one, not posting it late to the channel named next', async () => {
    const { fake, ctx, company, setAsOf } = await setup({ env: { PULSE_OUTBOX_LEASE_MS: '1' } })
    await checkWinRateAnomaly(ctx, AS_OF)
    fake.failNextHttp('chat.postMessage', 503, 1)
    await drainOutbox(ctx, { perChannelIntervalMs: 0, kinds: ['anomaly'] })
    await new Promise((r) => setTimeout(r, 5))
    fake.failNext('conversations.history', 'channel_not_found', 10)
    await expect(createSlackJobs(ctx, ctx.pacedClient).anomalyCheck()).rejects.toThrow(/channel_not_found/)
    // A month later (within its range), an admin names another channel.
    setAsOf('2024-08-01')
    const moved: SlackContext = { ...ctx, config: { ...ctx.config, alertChannel: 'C0OTHER001' } }
    await createSlackJobs(moved, moved.pacedClient).anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0OTHER001')).toHaveLength(0)
    const rows = await company.store.db.selectFrom('slack_outbox').select(['dedupe_key', 'status']).where('kind', '=', 'anomaly').execute()
    expect(rows).toEqual([{ dedupe_key: 'anomaly:2024-06', status: 'skipped' }])
  })

  it('an alert whose send was cut off, not found in its old channel, goes to the channel PULSE_ALERT_CHANNEL names now, once', async () => {
    const { fake, ctx } = await setup({ env: { PULSE_OUTBOX_LEASE_MS: '1' } })
    await checkWinRateAnomaly(ctx, AS_OF)
    fake.failNextHttp('chat.postMessage', 503, 1)
    await drainOutbox(ctx, { perChannelIntervalMs: 0, kinds: ['anomaly'] })
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ sending: 1 })
    await new Promise((r) => setTimeout(r, 5))
    const moved: SlackContext = { ...ctx, config: { ...ctx.config, alertChannel: 'C0OTHER001' } }
    const jobs = createSlackJobs(moved, moved.pacedClient)
    await jobs.anomalyCheck()
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(0)
    expect(fake.messages.filter((m) => m.channel === 'C0OTHER001' && m.threadTs === undefined)).toHaveLength(1)
    expect(await countOutboxByStatus(ctx.store.db)).toMatchObject({ sending: 0, sent: 1 })
  })

  it('does not tell the admins to invite the app when the alert, posted again once it was invited, got no answer', async () => {
    const { fake, ctx } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    fake.failNext('chat.postMessage', 'not_in_channel', 10)
    await expect(jobs.anomalyCheck()).rejects.toThrow(/not_in_channel/)
    fake.resetFailures()
    // The app is invited; the next post gets no answer, so whether it arrived is checked on the next run.
    fake.failNextHttp('chat.postMessage', 503, 1)
    await expect(jobs.anomalyCheck()).resolves.toBeUndefined()
    const rows = await ctx.store.db.selectFrom('slack_outbox').select(['status', 'last_error']).where('kind', '=', 'anomaly').execute()
    expect(rows).toEqual([{ status: 'sending', last_error: null }])
  })

  it('an alert refused by its channel goes to the channel PULSE_ALERT_CHANNEL names once the admin sets another, once', async () => {
    const { fake, ctx } = await setup()
    fake.failNext('chat.postMessage', 'channel_not_found', 10)
    await expect(createSlackJobs(ctx, ctx.pacedClient).anomalyCheck()).rejects.toThrow(/C0ALERTS01.*channel_not_found/)
    fake.resetFailures()
    const moved: SlackContext = { ...ctx, config: { ...ctx.config, alertChannel: 'C0OTHER001' } }
    const jobs = createSlackJobs(moved, moved.pacedClient)
    await jobs.anomalyCheck()
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(0)
    const posts = fake.messages.filter((m) => m.channel === 'C0OTHER001' && m.threadTs === undefined)
    expect(posts).toHaveLength(1)
    expect(posts[0]?.text).toMatch(/Win rate fell below its normal range/)
  })

  it('drops an alert still waiting for its channel once a later month is the latest complete one, instead of posting it late', async () => {
    const { fake, ctx, company, setAsOf } = await setup()
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    fake.failNext('chat.postMessage', 'not_in_channel', 10)
    await expect(jobs.anomalyCheck()).rejects.toThrow(/not_in_channel/)
    fake.resetFailures()
    // A month later: the month the alert was about is no longer the latest complete one, and the new one is within its range.
    setAsOf('2024-08-01')
    await jobs.anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(0)
    const rows = await company.store.db.selectFrom('slack_outbox').select(['dedupe_key', 'status']).where('kind', '=', 'anomaly').execute()
    expect(rows).toEqual([{ dedupe_key: 'anomaly:2024-06', status: 'skipped' }])
  })

  it('drops an alert still waiting for its channel once PULSE_ALERT_CHANNEL is unset, and the daily check passes', async () => {
    const { fake, ctx, company } = await setup()
    fake.failNext('chat.postMessage', 'not_in_channel', 10)
    await expect(createSlackJobs(ctx, ctx.pacedClient).anomalyCheck()).rejects.toThrow(/not_in_channel/)
    fake.resetFailures()
    const off: SlackContext = { ...ctx, config: { ...ctx.config, alertChannel: undefined } }
    await createSlackJobs(off, off.pacedClient).anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(0)
    const rows = await company.store.db.selectFrom('slack_outbox').select('status').where('kind', '=', 'anomaly').execute()
    expect(rows).toEqual([{ status: 'skipped' }])
  })

  it('posts an alert dropped unposted (its channel unset while it waited) once the channel is set again and the month is still flagged low, once', async () => {
    const { fake, ctx, company } = await setup()
    fake.failNext('chat.postMessage', 'not_in_channel', 10)
    await expect(createSlackJobs(ctx, ctx.pacedClient).anomalyCheck()).rejects.toThrow(/not_in_channel/)
    fake.resetFailures()
    const off: SlackContext = { ...ctx, config: { ...ctx.config, alertChannel: undefined } }
    await createSlackJobs(off, off.pacedClient).anomalyCheck()
    expect(fake.messages.filter((m) => m.channel === 'C0ALERTS01')).toHaveLength(0)
    // The admin sets the channel again (and invites the app): June is still the latest complete month, flagged low.
    const jobs = createSlackJobs(ctx, ctx.pacedClient)
    await jobs.anomalyCheck()
    await jobs.anomalyCheck()
    const posts = fake.messages.filter((m) => m.channel === 'C0ALERTS01' && m.threadTs === undefined)
    expect(posts).toHaveLength(1)
    expect(posts[0]?.text).toMatch(/Win rate fell below its normal range in June 2024/)
    const rows = await company.store.db.selectFrom('slack_outbox').select(['dedupe_key', 'status']).where('kind', '=', 'anomaly').execute()
    expect(rows).toEqual([{ dedupe_key: 'anomaly:2024-06', status: 'sent' }])
  })

  it('stays quiet when the latest complete month is within its normal range', async () => {
    const { fake, ctx } = await setup()
    const check = await checkWinRateAnomaly(ctx, '2024-05-20')
    expect(check.month?.anomaly).toBeNull()
    expect(check.queued).toBe(false)
    await drainOutbox(ctx)
    expect(fake.messages).toHaveLength(0)
  })
})

import { afterEach, beforeEach, expect, it } from 'vitest'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { findSlackTokenRefusal } from '../../src/db/slack-token-refusals.js'
import { pausedJob } from '../../src/jobs/idle-job.js'
import { type JobContext, runJob } from '../../src/jobs/run-job.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { planStalledDealDms } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { botTokenHash, TOKEN_CHECK_EVERY_MS } from '../../src/slack/app/bot-token-refusal.js'
import { createSlackContext } from '../../src/slack/app/create-slack-app.js'
import { createSlackJobs } from '../../src/slack/app/create-slack-jobs.js'
import type { SlackContext } from '../../src/slack/app/slack-context.js'
import { eventCallbackBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import {
  AS_OF,
  anotherInstance,
  openHomeRecorded,
  PEOPLE,
  SIGNING_SECRET,
  type SlackTestApp,
  sampleCompany,
  startSlackTestApp,
} from './slack-test-app.js'

// The app's jobs as `pulse serve` binds them: a paused job's run is recorded as skipped, with its reason.
function scheduledJobs(ctx: SlackContext) {
  const jobs = createSlackJobs(ctx, ctx.uploadClient, { paused: pausedJob })
  const jobCtx: JobContext = {
    store: ctx.store,
    logger: silentLogger(),
    instanceId: 'test:1',
    notifyAdmins: (text) => jobs.notifyAdmins(text),
  }
  return {
    jobs,
    run: (name: 'stalled-alerts' | 'refresh-home' | 'anomaly-check') =>
      runJob(jobCtx, name, () =>
        name === 'stalled-alerts' ? jobs.stalledDealDms() : name === 'refresh-home' ? jobs.refreshHome() : jobs.anomalyCheck(),
      ),
  }
}

// Another instance on the same store, whose clock is `aheadMs` later (so a check of the token is due).
function otherInstance(t: SlackTestApp, aheadMs = 0): SlackContext {
  return createSlackContext({
    store: t.company.store,
    config: t.config,
    logger: silentLogger(),
    roster: t.company.roster,
    services: t.slack.ctx.services,
    clock: { now: () => new Date(Date.now() + aheadMs), asOf: () => AS_OF },
    retries: 0,
  })
}

// Every outbox row delivered, and Slack holding exactly one message per row sent (admins' notices aside).
async function expectEachSentOnce(t: SlackTestApp): Promise<void> {
  const counts = await countOutboxByStatus(t.company.store.db)
  expect(counts).toMatchObject({ pending: 0, sending: 0, failed: 0 })
  expect(t.fake.messages.filter((m) => m.metadata?.event_type !== undefined)).toHaveLength(counts.sent)
}

const event = (t: SlackTestApp, body: Record<string, unknown>) =>
  postSigned(t.url, SIGNING_SECRET, eventCallbackBody(body), 'application/json')

describeEachDialect('a bot token Slack no longer accepts', (dialect) => {
  let t: SlackTestApp
  beforeEach(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(2500, undefined, await dialect.open()) })
  })
  afterEach(async () => {
    await t.close()
    await t.company.store.close()
  })

  const refusal = () => findSlackTokenRefusal(t.company.store.db, botTokenHash(t.config))

  it('after app_uninstalled, the Slack jobs of every instance call Slack no more, skip their runs with the fix and keep the queued DMs, until the next start finds the token working', async () => {
    const db = t.company.store.db
    await openHomeRecorded(t, PEOPLE.cro)
    await planStalledDealDms(t.slack.ctx, { asOf: AS_OF })
    const queued = (await countOutboxByStatus(db)).pending
    expect(queued).toBeGreaterThan(0)

    t.fake.refuseToken('account_inactive')
    expect((await event(t, { type: 'app_uninstalled' })).status).toBe(200)
    await waitFor(async () => (await refusal()) !== null, 10_000, 'the refusal recorded')
    expect((await refusal())?.reason).toBe('app_uninstalled')

    const calls = t.fake.calls.length
    for (const ctx of [t.slack.ctx, otherInstance(t)]) {
      const { jobs, run } = scheduledJobs(ctx)
      for (const name of ['stalled-alerts', 'refresh-home', 'anomaly-check'] as const) {
        const outcome = await run(name)
        expect(outcome.status, name).toBe('skipped')
        expect(outcome.paused, name).toBe(true)
        expect(outcome.idle, name).toMatch(/uninstalled.*Reinstall the app and set its Bot User OAuth Token in SLACK_BOT_TOKEN/)
      }
      await jobs.notifyAdmins('a job failed')
    }
    const run = await db
      .selectFrom('job_runs')
      .select(['status', 'error'])
      .where('job', '=', 'stalled-alerts')
      .orderBy('run_id', 'desc')
      .executeTakeFirst()
    expect(run).toMatchObject({ status: 'skipped', error: expect.stringContaining('SLACK_BOT_TOKEN') })
    expect(t.fake.calls.slice(calls).map((c) => c.method)).toEqual([])
    expect(await countOutboxByStatus(db)).toMatchObject({ pending: queued, sending: 0, failed: 0, skipped: 0, sent: 0 })

    // Reinstalled: the next start's auth.test succeeds, and the DMs that waited go out, once each.
    t.fake.refuseToken(undefined)
    const next = anotherInstance(t)
    await next.start(0)
    try {
      expect(await refusal()).toBeNull()
      expect((await scheduledJobs(next.ctx).run('stalled-alerts')).status).toBe('done')
    } finally {
      await next.stop()
    }
    await expectEachSentOnce(t)
    expect((await countOutboxByStatus(db)).sent).toBeGreaterThanOrEqual(queued)
  })

  it('a token refused to chat.postMessage mid-run keeps every DM pending, and the next runs call Slack no more until auth.test succeeds again', async () => {
    const db = t.company.store.db
    t.fake.refuseToken('token_revoked', ['chat.postMessage'])
    const failed = await scheduledJobs(t.slack.ctx).run('stalled-alerts')
    expect(failed.status).toBe('failed')
    expect(failed.error).toMatch(/token_revoked.*SLACK_BOT_TOKEN/)
    expect((await refusal())?.reason).toBe('token_revoked')
    const queued = (await countOutboxByStatus(db)).pending
    expect(queued).toBeGreaterThan(0)
    expect(await countOutboxByStatus(db)).toMatchObject({ sending: 0, failed: 0, sent: 0 })
    // No message was posted; at most one post per drain worker was tried.
    expect(t.fake.calls.filter((c) => c.method === 'chat.postMessage').length).toBeLessThanOrEqual(8)

    t.fake.refuseToken('token_revoked')
    const calls = t.fake.calls.length
    expect((await scheduledJobs(t.slack.ctx).run('stalled-alerts')).status).toBe('skipped')
    expect(t.fake.calls.slice(calls)).toEqual([])
    // A minute on, one auth.test asks whether the token works again: it does not, so still no other call.
    expect((await scheduledJobs(otherInstance(t, TOKEN_CHECK_EVERY_MS + 1000)).run('stalled-alerts')).status).toBe('skipped')
    expect(t.fake.calls.slice(calls).map((c) => c.method)).toEqual(['auth.test'])

    // Slack accepts it again: the next check finds so, and the DMs go out by themselves, once each.
    t.fake.refuseToken(undefined)
    const later = otherInstance(t, 2 * TOKEN_CHECK_EVERY_MS + 2000)
    expect((await scheduledJobs(later).run('stalled-alerts')).status).toBe('done')
    expect(await refusal()).toBeNull()
    await expectEachSentOnce(t)
    expect((await countOutboxByStatus(db)).sent).toBe(queued)
  })

  it('tokens_revoked naming only user tokens leaves the bot sending; naming the bot token pauses it', async () => {
    expect((await event(t, { type: 'tokens_revoked', tokens: { oauth: [PEOPLE.rep, PEOPLE.cro] } })).status).toBe(200)
    // An event after it, handled once the first one has been.
    await openHomeRecorded(t, PEOPLE.cro)
    expect(await refusal()).toBeNull()
    expect((await scheduledJobs(t.slack.ctx).run('stalled-alerts')).status).toBe('done')
    expect(t.fake.messages.filter((m) => m.metadata?.event_type !== undefined).length).toBeGreaterThan(0)

    expect((await event(t, { type: 'tokens_revoked', tokens: { oauth: [], bot: ['UBOT0001'] } })).status).toBe(200)
    await waitFor(async () => (await refusal()) !== null, 10_000, 'the refusal recorded')
    expect((await refusal())?.reason).toBe('tokens_revoked')
    expect((await scheduledJobs(t.slack.ctx).run('refresh-home')).status).toBe('skipped')
  })
})

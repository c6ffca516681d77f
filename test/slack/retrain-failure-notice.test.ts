import { afterEach, expect, it } from 'vitest'
import { runHeavyJobHere } from '../../src/jobs/heavy-job.js'
import { pausedJob } from '../../src/jobs/idle-job.js'
import { runJob } from '../../src/jobs/run-job.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { createSlackJobs } from '../../src/slack/app/create-slack-jobs.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { AS_OF, PEOPLE, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

describeEachDialect('a weekly retrain that cannot train', (dialect) => {
  let t: SlackTestApp | undefined
  afterEach(async () => {
    await t?.close()
    await t?.company.store.close()
    t = undefined
  })

  it('DMs the admins how many closed deals there are and to import more history, not to train as of a later day', async () => {
    t = await startSlackTestApp({ company: await sampleCompany(60, undefined, await dialect.open()) })
    const { ctx } = t.slack
    const jobs = createSlackJobs(ctx, ctx.uploadClient, { paused: pausedJob })
    const store = t.company.store
    // The retrain as `pulse serve` schedules it: as of today, failures told to the admins in Slack.
    const outcome = await runJob(
      { store, logger: silentLogger(), instanceId: 'test:1', notifyAdmins: (text) => jobs.notifyAdmins(text) },
      'retrain',
      () => runHeavyJobHere(store, { kind: 'retrain', asOf: AS_OF, staleDays: 30 }),
    )
    expect(outcome.status).toBe('failed')
    const adminDm = `D${PEOPLE.admin.slice(1)}`
    // runJob has awaited the notice: it is in Slack already.
    const notices = t.fake.messages.filter((m) => m.channel === adminDm)
    expect(notices).toHaveLength(1)
    const text = notices[0]?.text
    expect(text).toMatch(
      /^:warning: Sales Pulse: the scheduled job "retrain" failed: Only \d+ closed deals by 2024-07-20 that are not stale were found.*; the model needs at least 100 to train and test\. Import more history \(a larger export/,
    )
    expect(text).not.toMatch(/later day/)
  })
  it('a failure notice Slack refuses is not recorded as sent: the next failure DMs the admins again', async () => {
    t = await startSlackTestApp({ company: await sampleCompany(60, undefined, await dialect.open()) })
    const { ctx } = t.slack
    const jobs = createSlackJobs(ctx, ctx.uploadClient, { paused: pausedJob })
    const store = t.company.store
    const job = { store, logger: silentLogger(), instanceId: 'test:1', notifyAdmins: (text: string) => jobs.notifyAdmins(text) }
    const retrain = () => runHeavyJobHere(store, { kind: 'retrain', asOf: AS_OF, staleDays: 30 })
    const adminDm = `D${PEOPLE.admin.slice(1)}`
    const notices = () => t?.fake.messages.filter((m) => m.channel === adminDm) ?? []
    t.fake.failNext('chat.postMessage', 'channel_not_found')
    expect((await runJob(job, 'retrain', retrain)).status).toBe('failed')
    expect(notices()).toHaveLength(0)
    expect((await runJob(job, 'retrain', retrain)).status).toBe('failed')
    expect(notices()).toHaveLength(1)
    expect(notices()[0]?.text).toContain('the scheduled job "retrain" failed')
    const runs = await store.db
      .selectFrom('job_runs')
      .select(['status', 'alerted'])
      .where('job', '=', 'retrain')
      .orderBy('run_id')
      .execute()
    expect(runs).toEqual([
      { status: 'failed', alerted: 0 },
      { status: 'failed', alerted: 1 },
    ])
  })
})

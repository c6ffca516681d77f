import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSlackJobs } from '../../src/slack/app/create-slack-jobs.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from '../slack/slack-test-app.js'

// `pulse serve` stopping (SIGTERM, Ctrl-C) while its scheduled Home refresh republishes every
// opened Home tab: the refresh stops at once instead of publishing to everyone first.

describe('the scheduled Home refresh when the scheduler stops', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(400) })
    for (const user of [PEOPLE.cro, PEOPLE.manager, PEOPLE.rep, PEOPLE.otherRep, PEOPLE.admin]) {
      const n = t.fake.views.length
      expect((await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')).status).toBe(200)
      await waitFor(() => t.fake.views.length > n, 20_000, 'views.publish')
    }
  }, 60_000)
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })

  it('publishes no further Home view once its signal is aborted', async () => {
    const jobs = createSlackJobs(t.slack.ctx, t.slack.client)
    const stopping = new AbortController()
    // The stop comes while the first view is being published.
    const record = t.fake.calls.push.bind(t.fake.calls)
    t.fake.calls.push = (...calls) => {
      if (calls.some((c) => c.method === 'views.publish')) stopping.abort()
      return record(...calls)
    }
    const before = t.fake.callsOf('views.publish').length
    await jobs.refreshHome(stopping.signal).finally(() => {
      t.fake.calls.push = record
    })
    expect(t.fake.callsOf('views.publish').length - before).toBe(1)
  })

  it('republishes every opened Home when it is not stopped', async () => {
    const before = t.fake.callsOf('views.publish').length
    await createSlackJobs(t.slack.ctx, t.slack.client).refreshHome(new AbortController().signal)
    expect(t.fake.callsOf('views.publish').length - before).toBe(5)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from '../slack/slack-test-app.js'

// `pulse serve` stopping (SIGTERM, Ctrl-C) right after Slack delivered an event: the event is
// acked at once, so its work runs on after the HTTP answer. The app's stop waits for that work,
// so the store it writes to is still open (pulse serve closes it right after).

describe('stopping the Slack app while a Home publish is in flight', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(400), retries: 'slack-default' })
  }, 60_000)
  afterAll(async () => {
    await t.fake.stop()
    await t.company.store.close()
  })

  it('finishes the publish, and records it, before stop() returns', async () => {
    // Slack asks the first publish to wait a second (429, Retry-After: 1): it is still in flight.
    t.fake.rateLimitNext('views.publish')
    expect((await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.cro), 'application/json')).status).toBe(200)
    await waitFor(() => t.fake.callsOf('views.publish').length > 0, 10_000, 'the first views.publish')
    await t.slack.stop()
    const saved = await t.company.store.db
      .selectFrom('slack_home_views')
      .select('slack_user_id')
      .where('slack_user_id', '=', PEOPLE.cro)
      .execute()
    expect(saved).toHaveLength(1)
    expect(t.fake.views.map((v) => v.userId)).toEqual([PEOPLE.cro])
  })
})

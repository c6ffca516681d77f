import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { refreshHomeTabs } from '../../src/slack/home/refresh-home-tabs.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { openHomeRecorded, PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

describe('App Home when Slack rate-limits views.publish', () => {
  let t: SlackTestApp
  const lines: string[] = []
  beforeAll(async () => {
    // A long Retry-After, as Slack gives when a minute's allowance of views.publish is spent.
    t = await startSlackTestApp({
      fake: { retryAfterSeconds: 30 },
      logger: createLogger('info', { write: (s: string) => void lines.push(s) }),
    })
  })
  afterAll(async () => {
    await t.close()
  })

  it("does not hold up someone else's Home tab for the Retry-After, and logs the refused view", async () => {
    t.fake.rateLimitNext('views.publish')
    const open = (user: string) => postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')
    expect((await open(PEOPLE.manager)).status).toBe(200)
    await waitFor(() => t.fake.callsOf('views.publish').length > 0, 25_000, "the manager's views.publish")

    // Another person's Home tab is published without waiting out the manager's 30 s (the bound
    // leaves room for rendering charts on a loaded machine).
    const started = Date.now()
    expect((await open(PEOPLE.cro)).status).toBe(200)
    await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.cro), 25_000, "the CRO's Home view")
    expect(Date.now() - started).toBeLessThan(25_000)

    const warned = lines.map((l) => JSON.parse(l)).find((l) => String(l.msg).startsWith('Home view not published: Slack is rate-limiting'))
    expect(warned).toMatchObject({ user: PEOPLE.manager, retryAfterSeconds: 30 })
    // The refused view is not sent again (as a refusal or otherwise) while Slack asks to wait.
    expect(t.fake.views.some((v) => v.userId === PEOPLE.manager)).toBe(false)
    expect(t.fake.callsOf('views.publish').filter((c) => c.params.user_id === PEOPLE.manager)).toHaveLength(1)
  }, 60_000)
})

describe('the Home refresh after a sync when Slack rate-limits views.publish for longer than a Home open waits', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ fake: { retryAfterSeconds: 11 } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('waits it out and republishes that view, while other Home tabs are published meanwhile', async () => {
    await openHomeRecorded(t, PEOPLE.manager)
    t.fake.rateLimitNext('views.publish')
    const refresh = refreshHomeTabs(t.slack.ctx, t.slack.client)
    // The refresh computes every snapshot first: slow on a loaded machine, so a long wait.
    await waitFor(() => t.fake.callsOf('views.publish').some((c) => c.status === 429), 60_000, 'the 429')
    // Someone opening Home during the wait is not held up by it: their view goes out before the
    // refresh sends the refused one again, which it does once the Retry-After has passed.
    await openHomeRecorded(t, PEOPLE.cro)
    expect(await refresh).toBe(1)
    const calls = t.fake.callsOf('views.publish')
    const refused = calls.find((c) => c.status === 429)
    const retried = calls.filter((c) => c.params.user_id === PEOPLE.manager).at(-1)
    const croView = calls.find((c) => c.params.user_id === PEOPLE.cro)
    expect(refused?.params.user_id).toBe(PEOPLE.manager)
    expect(retried?.status).toBe(200)
    expect((retried?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(11_000)
    expect(croView?.at).toBeLessThan(retried?.at ?? 0)
    expect(t.fake.views.at(-1)?.userId).toBe(PEOPLE.manager)
  }, 150_000)
})

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

describe('App Home when Slack answers views.publish with an error that may pass', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp()
  })
  beforeEach(() => {
    t.fake.resetFailures()
  })
  afterAll(async () => {
    await t.close()
  })

  async function openHome(user: string): Promise<string> {
    const n = t.fake.views.length
    expect((await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')).status).toBe(200)
    await waitFor(() => t.fake.views.length > n, 10_000, 'views.publish')
    return JSON.stringify(t.fake.views.at(-1)?.view.blocks)
  }

  it("sends the manager's Home view again after one internal_error, instead of an error note", async () => {
    t.fake.failNext('views.publish', 'internal_error')
    const text = await openHome(PEOPLE.manager)
    expect(text).toContain('Team pipeline')
    expect(text).not.toContain('went wrong')
    expect(t.fake.callsOf('views.publish').filter((c) => c.params.user_id === PEOPLE.manager)).toHaveLength(2)
  })

  it('shows the one sentence once Slack keeps failing, after three tries', async () => {
    t.fake.failNext('views.publish', 'service_unavailable', 3)
    const before = t.fake.callsOf('views.publish').length
    const text = await openHome(PEOPLE.rep)
    expect(text).toContain('try again in a minute')
    expect(text).not.toMatch(/\$\d/)
    // Three tries of the view, then the note.
    expect(t.fake.callsOf('views.publish').length - before).toBe(4)
  })

  it('does not send a view Slack refuses for good (invalid_blocks) again', async () => {
    t.fake.failNext('views.publish', 'invalid_blocks')
    const before = t.fake.callsOf('views.publish').length
    const text = await openHome(PEOPLE.cro)
    expect(text).toContain('went wrong')
    expect(t.fake.callsOf('views.publish').length - before).toBe(2)
  })
})

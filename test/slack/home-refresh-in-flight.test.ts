import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findHomeViewUsers } from '../../src/db/slack-home.js'
import { refreshHomeTabs } from '../../src/slack/home/refresh-home-tabs.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

describe('the Home refresh after a sync while someone is opening Home', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    // Slack answers views.publish a while after taking the view: the app records it only then.
    t = await startSlackTestApp({ fake: { viewsPublishDelayMs: 1500 } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('republishes the view on its way too, instead of skipping that person until the next sync', async () => {
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.manager), 'application/json')
    await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.manager), 20_000, "Slack taking the manager's view")
    expect(await findHomeViewUsers(t.company.store.db)).not.toContain(PEOPLE.manager)

    expect(await refreshHomeTabs(t.slack.ctx, t.slack.client)).toBe(1)
    expect(t.fake.views.filter((v) => v.userId === PEOPLE.manager)).toHaveLength(2)
    expect(await findHomeViewUsers(t.company.store.db)).toEqual([PEOPLE.manager])
  }, 60_000)
})

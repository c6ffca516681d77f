import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NO_DEALS_YET, REFUSAL_UNKNOWN } from '../../src/slack/access/authorize.js'
import { parseRoster } from '../../src/slack/access/load-roster.js'
import { esc } from '../../src/slack/blocks/format.js'
import { appHomeOpenedBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { openTestStore, writeTempFile } from '../helpers/test-store.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

// The Slack app installed before anything was imported.
describe('Slack app on a store with no deals yet', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    const text = 'executives: [cro@acme.example]\nmanagers:\n  - email: lead@acme.example\n    team: [ana@acme.example]\n'
    const emails = {
      cro: 'cro@acme.example',
      admin: '',
      manager: 'lead@acme.example',
      rep: 'ana@acme.example',
      otherRep: '',
      stranger: 'visitor@elsewhere.example',
    }
    t = await startSlackTestApp({
      company: {
        store: await openTestStore(),
        rosterPath: writeTempFile('roster.yml', text),
        roster: parseRoster(text),
        emails,
        users: [
          { id: PEOPLE.cro, email: emails.cro },
          { id: PEOPLE.manager, email: emails.manager },
          { id: PEOPLE.rep, email: emails.rep },
          { id: PEOPLE.stranger, email: emails.stranger },
        ],
      },
    })
  })
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })

  async function ask(userId: string, text: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), 'application/x-www-form-urlencoded')
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    return String(t.fake.responses.find((r) => r.id === id)?.body.text)
  }

  it('tells an executive how to get deals in, for every report, instead of reports of zeros', async () => {
    for (const command of ['winrate', 'losses', 'funnel', 'drivers', 'stalled', 'deal D1']) {
      expect(await ask(PEOPLE.cro, command)).toBe(esc(NO_DEALS_YET))
    }
    expect(t.fake.callsOf('files.completeUploadExternal')).toHaveLength(0)
  })

  it('still refuses someone not on the roster first, and shows the executive the same sentence on Home', async () => {
    expect(await ask(PEOPLE.stranger, 'winrate')).toBe(REFUSAL_UNKNOWN)
    const n = t.fake.views.length
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.cro), 'application/json')
    await waitFor(() => t.fake.views.length > n, 20_000, 'views.publish')
    const home = JSON.stringify(t.fake.views.at(-1)?.view.blocks)
    expect(home).toContain('Sales Pulse has no deals yet')
    expect(home).not.toContain('No stalled deals')
  })

  it("tells a manager and a rep on the roster that nothing is imported yet, not to check the team's emails", async () => {
    for (const user of [PEOPLE.manager, PEOPLE.rep]) {
      expect(await ask(user, 'winrate')).toBe(esc(NO_DEALS_YET))
      const n = t.fake.views.length
      await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')
      await waitFor(() => t.fake.views.length > n, 20_000, 'views.publish')
      const home = JSON.stringify(t.fake.views.at(-1)?.view.blocks)
      expect(home).toContain('Sales Pulse has no deals yet')
      expect(home).not.toContain('roster')
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appHomeOpenedBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// An admin on the roster who is neither an executive nor a manager and owns no deals (revops):
// they run `/pulse sync`, so they need `/pulse status` to see what the last sync did.

describe('a Sales Pulse admin who owns no deals', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(300) })
    const owns = await t.company.store.db.selectFrom('owners').select('owner_id').where('email', '=', t.company.emails.admin).execute()
    expect(owns).toHaveLength(0)
    expect(t.company.roster.executives.has(t.company.emails.admin)).toBe(false)
  })
  afterAll(async () => {
    await t.close()
  })

  async function ask(text: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId: PEOPLE.admin, text, responseUrl })
    expect((await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
    return JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)
  }

  it('gets /pulse status with the last load and the company counts, as the docs say', async () => {
    const answer = await ask('status')
    expect(answer).toContain('Sales Pulse status')
    expect(answer).toContain('Last load')
    expect(answer).toContain('300 (')
  })

  it('is refused the reports without being told they are not on the roster, and told what they can run', async () => {
    const answer = await ask('winrate')
    expect(answer).not.toMatch(/win rate of|%/)
    expect(answer).not.toContain('on the sales roster')
    expect(answer).toContain('/pulse sync')
    const n = t.fake.views.length
    const home = appHomeOpenedBody(PEOPLE.admin)
    await postSigned(t.url, SIGNING_SECRET, home, 'application/json')
    await waitFor(() => t.fake.views.length > n, 10_000, 'views.publish')
    const view = JSON.stringify(t.fake.views.at(-1)?.view)
    expect(view).not.toContain('on the sales roster')
    expect(view).toContain('/pulse sync')
  })
})

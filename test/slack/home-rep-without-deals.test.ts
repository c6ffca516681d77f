import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REFUSAL_NO_OWN_DEALS, REFUSAL_UNKNOWN } from '../../src/slack/access/authorize.js'
import { loadRoster } from '../../src/slack/access/load-roster.js'
import { appHomeOpenedBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

const NEW_REP = { id: 'UNEWREP001', email: 'new.rep@acme.example' }

describe("a rep on a manager's team who owns no deal yet", () => {
  let t: SlackTestApp
  beforeAll(async () => {
    const company = await sampleCompany()
    // The new hire is on the first manager's team in the roster; the CRM has no deal of theirs yet.
    const manager = company.emails.manager
    const text = readFileSync(company.rosterPath, 'utf8').replace(`team: [`, `team: [${NEW_REP.email}, `)
    writeFileSync(company.rosterPath, text)
    const roster = loadRoster(company.rosterPath)
    expect(roster.managers.get(manager)?.has(NEW_REP.email)).toBe(true)
    t = await startSlackTestApp({ company: { ...company, roster }, extraUsers: [NEW_REP] })
  })
  afterAll(async () => {
    await t.close()
  })

  it('is told on Home and in /pulse that they own no deals yet, not that they are unknown', async () => {
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(NEW_REP.id), 'application/json')
    await waitFor(() => t.fake.views.some((v) => v.userId === NEW_REP.id), 10_000, 'the Home view')
    const home = JSON.stringify(t.fake.views.find((v) => v.userId === NEW_REP.id)?.view.blocks)
    expect(home).toContain(REFUSAL_NO_OWN_DEALS)
    expect(home).not.toContain(REFUSAL_UNKNOWN)

    const url = t.fake.responseUrl()
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ userId: NEW_REP.id, text: 'winrate', responseUrl: url }),
      'application/x-www-form-urlencoded',
    )
    await waitFor(() => t.fake.responses.length > 0, 10_000, 'the /pulse answer')
    const answer = JSON.stringify(t.fake.responses)
    expect(answer).toContain(REFUSAL_NO_OWN_DEALS)
    expect(answer).not.toMatch(/\d+%|\$\d/)
  })

  it('still refuses someone on no team who owns no deals as unknown', async () => {
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.stranger), 'application/json')
    await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.stranger), 10_000, 'the Home view')
    expect(JSON.stringify(t.fake.views.find((v) => v.userId === PEOPLE.stranger)?.view.blocks)).toContain(REFUSAL_UNKNOWN)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { republishHomeTabs } from '../../src/slack/home/refresh-home-tabs.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import {
  openHomeRecorded,
  PEOPLE,
  pulseAnswers,
  SIGNING_SECRET,
  type SlackTestApp,
  sampleCompany,
  startSlackTestApp,
} from './slack-test-app.js'

// An app whose Home tab is turned off in its settings (App Home -> Home Tab, or the manifest's
// features.app_home.home_tab_enabled: false): Slack answers every views.publish `not_enabled`.
// The log must say what to do, once, and the app must go on serving everything else.

describe('App Home turned off in the app settings (views.publish: not_enabled)', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string }> = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) })
    t = await startSlackTestApp({ company: await sampleCompany(300), logger })
  })
  afterAll(async () => {
    await t.close()
  })
  const said = (pattern: RegExp) => lines.filter((l) => pattern.test(l.msg))
  const publishes = () => t.fake.callsOf('views.publish').length

  async function openHome(user: string): Promise<void> {
    const n = publishes()
    expect((await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')).status).toBe(200)
    await waitFor(() => publishes() > n, 10_000, 'views.publish')
    await new Promise((r) => setTimeout(r, 150))
  }

  it('says once, at warn level, to turn the Home tab on, tries no error view, and keeps answering commands', async () => {
    // A Home view published while the tab was on, so the refresh after a sync knows of someone.
    await openHomeRecorded(t, PEOPLE.manager)
    t.fake.homeTabDisabled = true
    lines.length = 0
    const before = publishes()
    for (const user of [PEOPLE.cro, PEOPLE.rep, PEOPLE.cro, PEOPLE.manager]) await openHome(user)
    // One views.publish per open: no "something went wrong" view sent after it (Slack would refuse it too).
    expect(publishes() - before).toBe(4)
    const told = said(/Home tab/)
    expect(told).toHaveLength(1)
    expect(told[0]?.level).toBe(40)
    expect(told[0]?.msg).toMatch(/not_enabled/)
    expect(told[0]?.msg).toMatch(/App Home/)
    expect(told[0]?.msg).toContain('home_tab_enabled')
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
    expect(JSON.stringify(lines)).not.toMatch(/went wrong/)
    // The refresh after a sync stops at the first refusal (every view would be refused alike), saying nothing more.
    const calls = publishes()
    expect(await republishHomeTabs(t.slack.ctx, t.slack.client)).toBe(0)
    expect(publishes() - calls).toBeLessThanOrEqual(1)
    expect(said(/Home tab/)).toHaveLength(1)
    expect(lines.filter((l) => l.level >= 40 && !/Home tab/.test(l.msg))).toEqual([])
    // Everything else is served.
    const answers = await pulseAnswers(t, PEOPLE.cro, 'losses')
    expect(JSON.stringify(answers.at(-1))).toMatch(/lost/)
  })

  it('publishes again once the tab is turned back on, and says so again if it is turned off again', async () => {
    t.fake.homeTabDisabled = false
    const view = await openHomeRecorded(t, PEOPLE.cro)
    expect(JSON.stringify(view.view.blocks)).toContain('Open pipeline')
    lines.length = 0
    t.fake.homeTabDisabled = true
    await openHome(PEOPLE.rep)
    await openHome(PEOPLE.rep)
    expect(said(/Home tab/)).toHaveLength(1)
    t.fake.homeTabDisabled = false
  })
})

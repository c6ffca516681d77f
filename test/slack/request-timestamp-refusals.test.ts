import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { signSlackRequest, slashCommandBody } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

// A server whose clock runs more than five minutes behind Slack's sees every request dated in the
// future: each is refused, and the log must say why, or the app fails without a word.

const FORM = 'application/x-www-form-urlencoded'

describe('requests refused for their X-Slack-Request-Timestamp', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string }> = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) })
    t = await startSlackTestApp({ logger })
  })
  afterAll(async () => {
    await t.close()
  })

  async function post(headers: Record<string, string>, body: string) {
    const res = await fetch(`${t.url}/slack/events`, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body })
    await res.text()
    return res.status
  }
  const warnings = () => lines.filter((l) => l.level === 40).map((l) => l.msg)
  const work = () => t.fake.calls.filter((c) => c.method !== 'auth.test').length

  it("logs a warning naming the server's clock for a request dated more than five minutes ahead, and refuses it (401)", async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: t.fake.responseUrl() })
    const before = work()
    lines.length = 0
    const ahead = Math.floor(Date.now() / 1000) + 10 * 60
    expect(await post(signSlackRequest(SIGNING_SECRET, body, ahead), body)).toBe(401)
    const said = warnings()
    expect(said).toHaveLength(1)
    expect(said[0]).toMatch(/ahead of this server's clock/)
    expect(said[0]).toMatch(/NTP/)
    expect(said[0]).toMatch(/\b(599|600|601) s ahead/)
    await new Promise((r) => setTimeout(r, 200))
    expect(work()).toBe(before)
  })

  it('logs why a timestamp that is not whole seconds is refused', async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'help', responseUrl: t.fake.responseUrl() })
    lines.length = 0
    const signed = signSlackRequest(SIGNING_SECRET, body)
    expect(await post({ ...signed, 'x-slack-request-timestamp': `${signed['x-slack-request-timestamp']}.5` }, body)).toBe(401)
    expect(warnings()).toEqual([expect.stringMatching(/not whole seconds/)])
  })

  it('logs nothing of the kind for a request dated within five minutes, which is answered', async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'help', responseUrl: t.fake.responseUrl() })
    lines.length = 0
    expect(await post(signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) + 60), body)).toBe(200)
    expect(warnings().filter((m) => /refused/.test(m))).toEqual([])
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { notifyAdmins } from '../../src/slack/alerts/notify-admins.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describe('/pulse when Slack rate-limits users.info for one asker', () => {
  let t: SlackTestApp
  const logs: Array<{ level: number; msg: string }> = []
  beforeAll(async () => {
    // A long Retry-After, as Slack gives when a minute's allowance of a method is spent.
    const logger = createLogger('info', { write: (s: string) => logs.push(JSON.parse(s) as { level: number; msg: string }) })
    t = await startSlackTestApp({ fake: { retryAfterSeconds: 30 }, logger })
  })
  afterAll(async () => {
    await t.close()
  })

  /** Sends `/pulse text` for `userId`; resolves with its answer's text once it arrives. */
  async function ask(userId: string, text: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const res = await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), FORM)
    expect(res.status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 25_000, `the answer to /pulse ${text}`)
    return String(t.fake.responses.find((r) => r.id === id)?.body.text)
  }

  it("holds up nobody else's answer for the Retry-After, and tells that asker to try again in a minute", async () => {
    t.fake.rateLimitNext('users.info')
    const started = Date.now()
    const rep = ask(PEOPLE.rep, 'stalled')
    await waitFor(() => t.fake.callsOf('users.info').some((c) => c.status === 429), 25_000, "the rep's users.info")
    // The manager's own users.info and DM are not queued behind the rep's 30 s.
    expect(await ask(PEOPLE.manager, 'losses')).toMatch(/^Losses by stage, your team/)
    expect(await rep).toBe('Slack is rate-limiting us right now, so try again in a minute.')
    // The bound leaves room for a loaded machine, well under the 30 s Slack asked to wait.
    expect(Date.now() - started).toBeLessThan(20_000)
    // Nothing was sent again for the rep while Slack asked to wait.
    expect(t.fake.callsOf('users.info').filter((c) => c.params.user === PEOPLE.rep)).toHaveLength(1)
    // A rate limit is a warning in the log, not an error: nothing is broken.
    expect(logs.some((l) => l.level === 40 && /Slack rate-limited a call/.test(l.msg))).toBe(true)
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([])
  }, 60_000)
})

describe('/pulse when Slack rate-limits a call for a few seconds', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ fake: { retryAfterSeconds: 1 } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('waits out a short Retry-After of users.info, and of the DM an answer the response URL refused goes to', async () => {
    t.fake.rateLimitNext('users.info')
    t.fake.rateLimitNext('conversations.open')
    t.fake.rateLimitNext('chat.postMessage')
    const gone = t.fake.apiUrl.replace('/api/', '/gone/r1')
    const dm = `D${PEOPLE.cro.slice(1)}`
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'status', responseUrl: gone })
    expect((await postSigned(t.url, SIGNING_SECRET, body, FORM)).status).toBe(200)
    await waitFor(() => t.fake.messages.some((m) => m.channel === dm), 20_000, 'the DM')
    expect(t.fake.messages.find((m) => m.channel === dm)?.text).toContain('deals')
    for (const method of ['users.info', 'conversations.open', 'chat.postMessage']) {
      expect(t.fake.callsOf(method).map((c) => c.status)).toEqual([429, 200])
    }
  }, 60_000)

  it('tells the asker Slack is rate-limiting when its 429 carries no Retry-After, rather than blaming the app', async () => {
    t.fake.rateLimitNext('users.info', 1, true)
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId: PEOPLE.rep, text: 'stalled', responseUrl })
    expect((await postSigned(t.url, SIGNING_SECRET, body, FORM)).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the answer')
    expect(t.fake.responses.find((r) => r.id === id)?.body.text).toBe('Slack is rate-limiting us right now, so try again in a minute.')
    expect(
      t.fake
        .callsOf('users.info')
        .filter((c) => c.params.user === PEOPLE.rep)
        .map((c) => c.status),
    ).toEqual([429])
  }, 60_000)

  it("waits out a rate limit on an admin's notice instead of dropping it", async () => {
    t.fake.rateLimitNext('chat.postMessage')
    const posts = t.fake.callsOf('chat.postMessage').length
    expect(await notifyAdmins(t.slack.ctx, t.slack.client, 'The scheduled job "sync" failed.')).toBe(1)
    expect(
      t.fake
        .callsOf('chat.postMessage')
        .slice(posts)
        .map((c) => c.status),
    ).toEqual([429, 200])
  }, 60_000)
})

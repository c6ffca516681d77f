import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { signSlackRequest, slashCommandBody } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

// A request Slack sends that the app refuses must be logged with why and what to check, or a setup
// mistake makes the app fail without a useful word: a server clock more than five minutes off
// Slack's, a Request URL set to another path than /slack/events, a wrong SLACK_SIGNING_SECRET.

const FORM = 'application/x-www-form-urlencoded'

describe('requests refused before they run, as the log tells them', () => {
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

  it('logs a warning naming /slack/events for a signed Slack request to another path, which gets 404', async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: t.fake.responseUrl() })
    const before = work()
    for (const path of ['/slack/events/', '/', '/slack/event?x=1']) {
      lines.length = 0
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) },
        body,
      })
      await res.text()
      expect(res.status, path).toBe(404)
      const said = warnings()
      expect(said, path).toHaveLength(1)
      expect(said[0]).toContain(`"${path.split('?')[0]}"`)
      expect(said[0]).toContain('POST /slack/events')
      expect(said[0]).toMatch(/Request URL/)
    }
    // An unsigned request elsewhere (a scanner, a health check) is answered 404 without a warning.
    lines.length = 0
    const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': FORM }, body })
    await res.text()
    expect(res.status).toBe(404)
    expect(warnings()).toEqual([])
    await new Promise((r) => setTimeout(r, 200))
    expect(work()).toBe(before)
  })

  it('names SLACK_SIGNING_SECRET, never its value, in the warning for a signature that does not match, and the clock for a stale request', async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: t.fake.responseUrl() })
    const before = work()
    lines.length = 0
    expect(await post(signSlackRequest('another-apps-signing-secret', body), body)).toBe(401)
    const mismatch = warnings()
    expect(mismatch).toHaveLength(1)
    expect(mismatch[0]).toMatch(/signature mismatch/)
    expect(mismatch[0]).toMatch(/SLACK_SIGNING_SECRET is not this app's Signing Secret/)
    expect(mismatch[0]).toMatch(/does not match the body as received/)
    expect(mismatch[0]).toContain("copy it from Basic Information in the app's settings")
    expect(JSON.stringify(lines)).not.toContain(SIGNING_SECRET)
    expect(JSON.stringify(lines)).not.toContain('another-apps-signing-secret')
    lines.length = 0
    expect(await post(signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 10 * 60), body)).toBe(401)
    expect(warnings()).toEqual([expect.stringMatching(/stale.*clock is ahead of Slack's: set it right \(NTP\)/)])
    await new Promise((r) => setTimeout(r, 200))
    expect(work()).toBe(before)
  })

  it('blames the secret or a proxy, not the secret alone, for a body that is not the UTF-8 bytes Slack signed (Latin-1, UTF-16, gzip)', async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'deal Ärzte Straße', responseUrl: t.fake.responseUrl() })
    const signed = signSlackRequest(SIGNING_SECRET, body)
    const reencoded: Array<[string, Buffer, Record<string, string>]> = [
      // What a proxy that decoded the form and wrote it back in another charset sends.
      ['latin1', Buffer.from(body.replace(/%C3%84/g, '%C4').replace(/%C3%9F/g, '%DF'), 'latin1'), {}],
      ['utf16', Buffer.from(body, 'utf16le'), {}],
      ['gzip', gzipSync(body), { 'content-encoding': 'gzip' }],
    ]
    const before = work()
    for (const [name, bytes, extra] of reencoded) {
      lines.length = 0
      const res = await fetch(`${t.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': FORM, ...signed, ...extra },
        body: bytes,
      })
      await res.text()
      expect(res.status, name).toBe(401)
      const said = warnings()
      expect(said, name).toHaveLength(1)
      expect(said[0], name).toMatch(/does not match the body as received/)
      expect(said[0], name).toMatch(/SLACK_SIGNING_SECRET/)
      expect(said[0], name).toMatch(/proxy.*(re-encoded|compressed)/)
      const logged = JSON.stringify(lines)
      expect(logged, name).not.toContain(SIGNING_SECRET)
      expect(logged, name).not.toContain(PEOPLE.cro)
      expect(logged, name).not.toMatch(/rzte|Stra/)
    }
    await new Promise((r) => setTimeout(r, 200))
    expect(work()).toBe(before)
  })
})

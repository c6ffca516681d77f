import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { EMPTY_ROSTER } from '../../src/slack/access/load-roster.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackApp } from '../../src/slack/app/create-slack-app.js'
import { appHomeOpenedBody, blockActionBody, SlackFake, signSlackRequest, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { openTestStore } from '../helpers/test-store.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describe('POST /slack/events as Slack (and others) send it', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  const work = () => t.fake.calls.filter((c) => c.method !== 'auth.test').length
  async function raw(body: string, headers: Record<string, string>) {
    const res = await fetch(`${t.url}/slack/events`, { method: 'POST', headers, body })
    return { status: res.status, text: await res.text() }
  }

  it('takes a signed slash command whose Content-Type names a charset', async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'help', responseUrl: t.fake.responseUrl() })
    const res = await raw(body, { 'content-type': `${FORM}; charset=utf-8`, ...signSlackRequest(SIGNING_SECRET, body) })
    expect(res.status).toBe(200)
    expect(res.text).toContain('/pulse winrate')
  })

  it('answers ssl_check with 200 and url_verification with its challenge', async () => {
    expect((await raw('ssl_check=1&token=legacy', { 'content-type': FORM })).status).toBe(200)
    expect((await raw('ssl_check=1&token=legacy', { 'content-type': `${FORM}; charset=UTF-8` })).status).toBe(200)
    const challenge = JSON.stringify({ token: 'legacy', challenge: 'c-123', type: 'url_verification' })
    const signed = await raw(challenge, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, challenge) })
    expect(signed).toEqual({ status: 200, text: JSON.stringify({ challenge: 'c-123' }) })
    expect((await raw(challenge, { 'content-type': 'application/json' })).status).toBe(401)
  })

  it('refuses with 401, and does nothing for, requests without signature headers or dated more than five minutes ahead', async () => {
    const before = work()
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: t.fake.responseUrl() })
    expect((await raw(body, { 'content-type': FORM })).status).toBe(401)
    const ahead = Math.floor(Date.now() / 1000) + 6 * 60
    const future = await raw(body, { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body, ahead) })
    expect(future).toEqual({ status: 401, text: '' })
    await new Promise((r) => setTimeout(r, 300))
    expect(work()).toBe(before)
    const inTime = await raw(body, { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) + 30) })
    expect(inTime.status).toBe(200)
    await waitFor(() => work() > before, 10_000, 'the in-time request to be handled')
  })

  it('answers 400 to a signed body that is JSON null (or a form whose payload is null), and keeps serving', async () => {
    for (const [body, type] of [
      ['null', 'application/json'],
      ['payload=null', FORM],
    ] as const) {
      const res = await raw(body, { 'content-type': type, ...signSlackRequest(SIGNING_SECRET, body) })
      expect(res.status, body).toBe(400)
    }
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'help', responseUrl: t.fake.responseUrl() })
    expect((await raw(body, { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) })).status).toBe(200)
    const big = `text=${'x'.repeat(4 * 1024 * 1024)}`
    expect((await raw(big, { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, big) })).status).toBe(413)
  })

  it('answers 404 to a form or JSON POST to another path, and keeps serving', async () => {
    // A request URL typed with a trailing slash, or anyone on the internet posting to the server.
    const challenge = JSON.stringify({ token: 'legacy', challenge: 'c-404', type: 'url_verification' })
    for (const path of ['/slack/events/', '/', '/charts/x.png', '/slack/actions']) {
      for (const [body, type] of [
        [challenge, 'application/json'],
        ['payload=%7B%7D', FORM],
      ] as const) {
        const res = await fetch(`${t.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': type, ...signSlackRequest(SIGNING_SECRET, body) },
          body,
          signal: AbortSignal.timeout(5000),
        })
        expect(res.status, `${path} ${type}`).toBe(404)
      }
    }
    const res = await raw(challenge, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, challenge) })
    expect(res.text).toContain('c-404')
  })

  it('handles an event once when Slack retries its delivery (X-Slack-Retry-Num), and a new event again', async () => {
    const body = appHomeOpenedBody(PEOPLE.rep)
    const headers = { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) }
    const n = t.fake.views.length
    expect((await raw(body, headers)).status).toBe(200)
    await waitFor(() => t.fake.views.length > n, 20_000, 'views.publish')
    const retry = await raw(body, { ...headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })
    expect(retry.status).toBe(200)
    await new Promise((r) => setTimeout(r, 500))
    expect(t.fake.views.length).toBe(n + 1)
    const again = appHomeOpenedBody(PEOPLE.rep)
    await raw(again, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, again) })
    await waitFor(() => t.fake.views.length > n + 1, 20_000, 'views.publish for a new event')
  })

  it('does the work of a slash command once when the same request comes again as a retry', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'status', responseUrl })
    const headers = { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) }
    expect((await raw(body, headers)).status).toBe(200)
    const retry = await raw(body, { ...headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })
    expect(retry.status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
    await new Promise((r) => setTimeout(r, 500))
    expect(t.fake.responses.filter((r) => r.id === id)).toHaveLength(1)
  })

  it('acks a click on a button it does not know at once and says what to do', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = blockActionBody({ userId: PEOPLE.rep, actionId: 'snooze_v0', value: 'D000001', responseUrl })
    const started = Date.now()
    const res = await raw(body, { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) })
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(2500) // within Slack's 3 s, with room for a busy machine
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 5000, 'the answer')
    expect(JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)).toContain('expired')
  })

  for (const value of [JSON.stringify({ t: 'bogus', c: 'C0000GENERAL' }), JSON.stringify({ t: 'winrate 0', c: 'C0000GENERAL' })]) {
    it(`answers a share button that no longer parses (${value}) as expired`, async () => {
      const responseUrl = t.fake.responseUrl()
      const id = responseUrl.split('/').pop() as string
      const body = blockActionBody({ userId: PEOPLE.cro, actionId: 'pulse_share_in_channel', value, responseUrl })
      expect((await raw(body, { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) })).status).toBe(200)
      await waitFor(() => t.fake.responses.some((r) => r.id === id), 5000, 'the answer')
      expect(JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)).toContain('expired')
      expect(t.fake.messages.filter((m) => m.channel === 'C0000GENERAL')).toHaveLength(0)
    })
  }
})

describe('rate limits while answering, with the Web API client configured as pulse serve runs it', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ retries: 'slack-default' })
  })
  afterAll(async () => {
    await t.close()
  })

  it('waits out a 429 on users.info (Retry-After) and still answers', async () => {
    t.fake.rateLimitNext('users.info', 1)
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId: PEOPLE.manager, text: 'status', responseUrl })
    await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) },
      body,
    })
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the answer')
    const calls = t.fake.callsOf('users.info').filter((c) => c.params.user === PEOPLE.manager)
    expect(calls.map((c) => c.status)).toEqual([429, 200])
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(900)
    expect(JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)).toContain('Sales Pulse status')
  })

  it('gives up on a Slack outage within seconds, so the asker hears back while it matters', async () => {
    t.fake.failNextHttp('files.getUploadURLExternal', 503, 100)
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'funnel', responseUrl })
    const started = Date.now()
    await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) },
      body,
    })
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 25_000, 'the answer')
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(t.fake.callsOf('files.getUploadURLExternal').length).toBeGreaterThan(1)
    expect(JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)).toContain('The chart could not be sent.')
    t.fake.resetFailures()
  }, 30_000)

  it('waits out a 429 on chat.postMessage when sharing into a channel, and posts once', async () => {
    t.fake.rateLimitNext('chat.postMessage', 1)
    const body = blockActionBody({
      userId: PEOPLE.cro,
      actionId: 'pulse_share_in_channel',
      value: JSON.stringify({ t: 'status', c: 'C0SHARED01' }),
      responseUrl: t.fake.responseUrl(),
    })
    await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) },
      body,
    })
    await waitFor(() => t.fake.messages.some((m) => m.channel === 'C0SHARED01'), 20_000, 'the shared post')
    await new Promise((r) => setTimeout(r, 300))
    expect(t.fake.messages.filter((m) => m.channel === 'C0SHARED01')).toHaveLength(1)
    expect(t.fake.callsOf('chat.postMessage').map((c) => c.status)).toEqual([429, 200])
  })
})

describe('start-up with a bot token Slack refuses', () => {
  it('stops with a sentence naming SLACK_BOT_TOKEN (never the token) instead of listening', async () => {
    const fake = await new SlackFake().start()
    const store = await openTestStore()
    const logger = silentLogger()
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-revoked-0001', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl })
    const slack = createSlackApp({ store, config, logger, roster: EMPTY_ROSTER, services: createPulseServices({ store, config, logger }) })
    try {
      const error = await slack.start(0).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(error?.message).toMatch(/^Slack refused SLACK_BOT_TOKEN \(auth\.test: invalid_auth\)\./)
      expect(error?.message).not.toContain('xoxb-revoked')
    } finally {
      await slack.stop().catch(() => {})
      await store.close()
      await fake.stop()
    }
  })

  it('stops within seconds, naming SLACK_API_URL, when Slack cannot be reached', async () => {
    const store = await openTestStore()
    const logger = silentLogger()
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    })
    const slack = createSlackApp({ store, config, logger, roster: EMPTY_ROSTER, services: createPulseServices({ store, config, logger }) })
    const started = Date.now()
    try {
      const error = await slack.start(0).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(error?.message).toBe(
        `Could not reach Slack's Web API at http://127.0.0.1:${port}/api/ (ECONNREFUSED). Check the network and SLACK_API_URL, then start again.`,
      )
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      await slack.stop().catch(() => {})
      await store.close()
    }
  }, 20_000)
})

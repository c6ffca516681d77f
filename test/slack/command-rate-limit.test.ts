import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { COMMAND_WINDOW_MS, createCommandRateLimit } from '../../src/slack/app/command-rate-limit.js'
import { SHARE_ACTION_ID } from '../../src/slack/commands/answer-command.js'
import { blockActionBody, signSlackRequest, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describe('the per-person limit on /pulse, through the signed endpoint', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ env: { PULSE_COMMANDS_PER_MINUTE: '3' } })
  }, 60_000)
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body), ...headers },
      body,
    })
    return { status: res.status, text: await res.text() }
  }
  const command = (userId: string, text: string) => {
    const responseUrl = t.fake.responseUrl()
    return { id: responseUrl.split('/').pop() as string, body: slashCommandBody({ userId, text, responseUrl }) }
  }

  it('runs a person’s first commands of the minute, not counting a retry twice, then asks them to slow down without running the next', async () => {
    const answered: string[] = []
    for (const text of ['status', 'status']) {
      const c = command(PEOPLE.cro, text)
      const res = await post(c.body)
      expect(res.text).toContain('Working on')
      answered.push(c.id)
      if (answered.length === 2) {
        // Slack delivers the second again (its ack seemed slow): the same request, not a new one.
        const retry = await post(c.body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })
        expect(retry.status).toBe(200)
      }
    }
    const third = command(PEOPLE.cro, 'status')
    expect((await post(third.body)).text).toContain('Working on')
    answered.push(third.id)
    await waitFor(() => answered.every((id) => t.fake.responses.some((r) => r.id === id)), 20_000, 'the three answers')

    const fourth = command(PEOPLE.cro, 'winrate')
    const refused = await post(fourth.body)
    expect(refused.status).toBe(200)
    const ack = JSON.parse(refused.text) as { response_type: string; text: string }
    expect(ack.response_type).toBe('ephemeral')
    const seconds = Number(/try again in (\d+) seconds?/.exec(ack.text)?.[1])
    expect(seconds).toBeGreaterThan(0)
    expect(seconds).toBeLessThanOrEqual(60)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(t.fake.responses.filter((r) => r.id === fourth.id)).toEqual([])

    // Someone else is not held up by it.
    const other = command(PEOPLE.manager, 'status')
    expect((await post(other.body)).text).toContain('Working on')
    await waitFor(() => t.fake.responses.some((r) => r.id === other.id), 20_000, 'the other person’s answer')
  }, 60_000)

  it('counts a Share in channel click as a run: over the limit it is answered with the wait, and nothing is posted', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const posts = t.fake.messages.length
    const body = blockActionBody({
      userId: PEOPLE.cro,
      actionId: SHARE_ACTION_ID,
      value: JSON.stringify({ t: 'winrate', c: 'C0000GENERAL' }),
      responseUrl,
      channelId: 'C0000GENERAL',
    })
    expect((await post(body)).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer to the click')
    expect(String(t.fake.responses.find((r) => r.id === id)?.body.text)).toMatch(/Slow down: try again in \d+ seconds?/)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(t.fake.messages.length).toBe(posts)
  })
})

describe('createCommandRateLimit', () => {
  it('allows `perMinute` runs in any minute, says how long until the oldest leaves the window, and counts a request key once', () => {
    let now = 1_000_000
    const limit = createCommandRateLimit(2, () => now)
    expect(limit.take('U1', 'a')).toEqual({ allowed: true })
    now += 10_000
    expect(limit.take('U1', 'b')).toEqual({ allowed: true })
    expect(limit.take('U1', 'b')).toEqual({ allowed: true })
    now += 5_000
    expect(limit.take('U1', 'c')).toEqual({ allowed: false, retryAfterS: 45 })
    expect(limit.take('U2', 'd')).toEqual({ allowed: true })
    now += 45_000
    // The first run has left the window: one more fits, then the second's turn comes.
    expect(limit.take('U1', 'c')).toEqual({ allowed: true })
    expect(limit.take('U1', 'e')).toEqual({ allowed: false, retryAfterS: 10 })
  })

  it('forgets people with no run in the last minute, and never remembers more than 10,000', () => {
    let now = 0
    const limit = createCommandRateLimit(20, () => now)
    for (let i = 0; i < 500; i++) limit.take(`U${i}`, 'k')
    expect(limit.size).toBe(500)
    now += COMMAND_WINDOW_MS
    limit.take('UNEW', 'k')
    expect(limit.size).toBe(1)
    for (let i = 0; i < 10_050; i++) limit.take(`V${i}`, 'k')
    expect(limit.size).toBe(10_000)
  })

  it('limits nothing at 0', () => {
    const limit = createCommandRateLimit(0)
    for (let i = 0; i < 100; i++) expect(limit.take('U1', String(i)).allowed).toBe(true)
    expect(limit.size).toBe(0)
  })

  it('reads PULSE_COMMANDS_PER_MINUTE (0, no limit, by default) and refuses anything but a whole number', () => {
    expect(loadConfig({}).commandsPerMinute).toBe(0)
    expect(loadConfig({ PULSE_COMMANDS_PER_MINUTE: '20' }).commandsPerMinute).toBe(20)
    expect(loadConfig({ PULSE_COMMANDS_PER_MINUTE: '0' }).commandsPerMinute).toBe(0)
    expect(() => loadConfig({ PULSE_COMMANDS_PER_MINUTE: '2.5' })).toThrow(/PULSE_COMMANDS_PER_MINUTE must be a whole number/)
  })
})

import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESTRICTED_POST } from '../../src/slack/app/user-facing-error.js'
import { DM_REFUSED } from '../../src/slack/commands/answer-command.js'
import { blockActionBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describe('errors reach the user as one sentence and the log without secrets', () => {
  let t: SlackTestApp
  const lines: string[] = []
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk))
        done()
      },
    })
    t = await startSlackTestApp({ logger: pino({ level: 'debug' }, sink) })
  })
  afterAll(async () => {
    await t.close()
  })

  async function answer(userId: string, text: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), 'application/x-www-form-urlencoded')
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    return String((t.fake.responses.find((r) => r.id === id)?.body as { text?: string } | undefined)?.text)
  }

  it('a failure before the answer becomes one sentence with a next step; details go to the log', async () => {
    t.fake.failNext('users.info', 'unexpected_answer')
    const text = await answer(PEOPLE.admin, 'losses')
    expect(text).toMatch(/^Something went wrong on our side \(the details are in the log\); try again/)
    expect(text.match(/[.!?](\s|$)/g)).toHaveLength(1)
    expect(lines.join('')).toContain('unexpected_answer')
    // A failure on Slack's side is said to be Slack's, with a try-again.
    t.fake.failNext('users.info', 'internal_error')
    const slackSide = await answer(PEOPLE.admin, 'losses')
    expect(slackSide).toMatch(/^Slack could not complete that just now \(internal_error\), so try again in a minute/)
    expect(slackSide.match(/[.!?](\s|$)/g)).toHaveLength(1)
  })

  async function blocksOf(userId: string, text: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), 'application/x-www-form-urlencoded')
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    return JSON.stringify((t.fake.responses.find((r) => r.id === id)?.body as { blocks?: unknown } | undefined)?.blocks)
  }

  it('a chart Slack refuses (upload URL, completeUploadExternal) leaves the findings in place with a note why', async () => {
    const before = t.fake.callsOf('files.completeUploadExternal').length
    for (let i = 0; i < 3; i++) t.fake.failNextUpload(500)
    const refusedBytes = await blocksOf(PEOPLE.cro, 'funnel')
    expect(refusedBytes).toContain('Funnel')
    expect(refusedBytes).toContain(
      'The chart could not be sent. Slack did not take the upload (its upload address answered HTTP 500), so try again in a minute.',
    )
    expect(refusedBytes).toContain('pulse_share_in_channel')
    expect(t.fake.callsOf('files.completeUploadExternal')).toHaveLength(before)
    expect(lines.join('')).toContain('HTTP 500')
    t.fake.failNext('files.completeUploadExternal', 'internal_error')
    expect(await blocksOf(PEOPLE.cro, 'losses')).toContain('The chart could not be sent.')
  })

  it('a chart Slack refuses in the asker\'s DM (channel_not_found, not_in_channel) says so, not "invite me" into a channel', async () => {
    for (const code of ['channel_not_found', 'not_in_channel']) {
      t.fake.failNext('files.completeUploadExternal', code)
      const blocks = await blocksOf(PEOPLE.rep, 'losses')
      expect(blocks).toContain('Losses')
      expect(blocks).toContain(`The chart could not be sent. ${DM_REFUSED}`)
      expect(blocks).not.toContain('/invite')
    }
  })

  it('a chart whose upload URL fails once (expired, or a 5xx) is uploaded again with a new URL and reaches the DM', async () => {
    const before = t.fake.callsOf('files.completeUploadExternal').length
    t.fake.failNextUpload(404)
    const blocks = await blocksOf(PEOPLE.cro, 'losses')
    expect(blocks).toContain('The chart is in your DM with Sales Pulse.')
    expect(blocks).not.toContain('could not be sent')
    expect(t.fake.callsOf('files.completeUploadExternal')).toHaveLength(before + 1)
  })

  it('a refused token or a missing permission says who can fix it, not "try again"', async () => {
    t.fake.failNext('files.getUploadURLExternal', 'invalid_auth')
    const token = await blocksOf(PEOPLE.cro, 'drivers')
    expect(token).toContain("Slack refused Sales Pulse's bot token")
    t.fake.failNext('users.info', 'missing_scope')
    const scope = await answer(PEOPLE.otherRep, 'status')
    expect(scope).toContain('lacks a Slack permission')
    expect(scope).not.toContain('try again')
  })

  it('a share into a channel the app is not in says how to fix it', async () => {
    t.fake.failNext('files.completeUploadExternal', 'not_in_channel')
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = blockActionBody({
      userId: PEOPLE.cro,
      actionId: 'pulse_share_in_channel',
      value: JSON.stringify({ t: 'funnel', c: 'C0PRIVATE1' }),
      responseUrl,
    })
    await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    expect(JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)).toContain('/invite @Sales Pulse')
  })

  it("a share into a channel where Slack's settings keep the app from posting (restricted_action) says so, once, not that something went wrong on our side", async () => {
    t.fake.failNext('files.completeUploadExternal', 'restricted_action')
    t.fake.failNext('chat.postMessage', 'restricted_action')
    const posts = t.fake.callsOf('chat.postMessage').length
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = blockActionBody({
      userId: PEOPLE.cro,
      actionId: 'pulse_share_in_channel',
      value: JSON.stringify({ t: 'losses', c: 'C0ANNOUNCE' }),
      responseUrl,
    })
    await postSigned(t.url, SIGNING_SECRET, body, FORM)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the refusal')
    const told = t.fake.responses.filter((r) => r.id === id).map((r) => String(r.body.text))
    expect(told).toEqual([RESTRICTED_POST])
    expect(told[0]).not.toMatch(/on our side|try again in a minute/)
    // Refused with the chart: the findings are not posted again without it.
    expect(t.fake.callsOf('chat.postMessage').length).toBe(posts)
    expect(t.fake.messages.some((m) => m.channel === 'C0ANNOUNCE')).toBe(false)
    t.fake.resetFailures()
  })

  it('a second click on Share in channel for the same answer posts nothing more; after a refused share, a click tries again', async () => {
    const channel = 'C0TWICE001'
    const value = JSON.stringify({ t: 'losses', c: channel })
    const shared = () => t.fake.messages.filter((m) => m.channel === channel).length
    // Slack sends every click: a double click on the button of one private answer (one message_ts).
    const click = async (messageTs: string) => {
      const responseUrl = t.fake.responseUrl()
      const form = new URLSearchParams(blockActionBody({ userId: PEOPLE.cro, actionId: 'pulse_share_in_channel', value, responseUrl }))
      const payload = JSON.parse(form.get('payload') as string) as { container: Record<string, unknown> }
      payload.container = { ...payload.container, message_ts: messageTs, is_ephemeral: true }
      const res = await postSigned(t.url, SIGNING_SECRET, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM)
      expect(res.status).toBe(200)
      return responseUrl.split('/').pop() as string
    }
    await Promise.all([click('1700000100.000100'), click('1700000100.000100')])
    await waitFor(() => shared() === 1, 20_000, 'the shared post')
    await click('1700000100.000100')
    await new Promise((r) => setTimeout(r, 1000))
    expect(shared()).toBe(1)
    // The same answer's button after Slack refused the share (the app was not in the channel yet) shares it.
    t.fake.failNext('files.completeUploadExternal', 'not_in_channel')
    const refused = await click('1700000200.000100')
    await waitFor(() => t.fake.responses.some((r) => r.id === refused && JSON.stringify(r.body).includes('/invite')), 20_000, 'the refusal')
    await click('1700000200.000100')
    await waitFor(() => shared() === 2, 20_000, 'the shared post after the invite')
  })

  it('a share whose chart Slack refuses still posts the findings into the channel, with a note why', async () => {
    const channel = 'C0SHARE001'
    // Refused on every try: the upload is tried 3 times with a new URL each.
    for (let i = 0; i < 3; i++) t.fake.failNextUpload(500)
    const responseUrl = t.fake.responseUrl()
    const body = blockActionBody({
      userId: PEOPLE.cro,
      actionId: 'pulse_share_in_channel',
      value: JSON.stringify({ t: 'funnel', c: channel }),
      responseUrl,
    })
    await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')
    await waitFor(() => t.fake.messages.some((m) => m.channel === channel), 20_000, 'the shared findings')
    const shared = t.fake.messages.filter((m) => m.channel === channel)
    expect(shared).toHaveLength(1)
    const blocks = JSON.stringify(shared[0]?.blocks)
    expect(blocks).toContain('Funnel')
    expect(blocks).toContain('Shared by <@')
    expect(blocks).toContain('The chart could not be attached.')
    const id = responseUrl.split('/').pop() as string
    expect(JSON.stringify(t.fake.responses.filter((r) => r.id === id).map((r) => r.body))).not.toContain('Something went wrong')
  })

  it('never writes the bot token or the signing secret to the log', () => {
    const log = lines.join('')
    expect(log.length).toBeGreaterThan(0)
    expect(log).not.toContain(t.fake.token)
    expect(log).not.toContain(SIGNING_SECRET)
  })
})

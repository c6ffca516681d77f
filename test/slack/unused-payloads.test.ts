import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// Every interactive payload Slack can deliver to the request URL, in the shapes of
// docs.slack.dev/reference/interaction-payloads. Sales Pulse opens no modal and offers no shortcut
// or menu, yet Slack still sends these (a manifest edited by hand, a modal left from another app
// version); without a 200 within 3 s Slack shows the person an error.

const base = {
  team: { id: 'T0001', domain: 'acme' },
  user: { id: PEOPLE.rep, username: 'rep', name: 'rep', team_id: 'T0001' },
  api_app_id: 'A0001',
  token: 'legacy-verification-token',
  is_enterprise_install: false,
  enterprise: null,
}
const view = {
  id: 'V0000000001',
  team_id: 'T0001',
  type: 'modal',
  callback_id: 'pulse_settings',
  private_metadata: '',
  title: { type: 'plain_text', text: 'Settings' },
  blocks: [],
  state: { values: {} },
  hash: '1700000000.abcd',
  app_id: 'A0001',
  bot_id: 'B0001',
}
const payloads: Record<string, Record<string, unknown>> = {
  view_submission: { ...base, type: 'view_submission', trigger_id: '1.2.3', view, response_urls: [] },
  view_closed: { ...base, type: 'view_closed', view, is_cleared: false },
  shortcut: { ...base, type: 'shortcut', callback_id: 'pulse_global', trigger_id: '1.2.3', action_ts: '1700000000.000100' },
  message_action: {
    ...base,
    type: 'message_action',
    callback_id: 'pulse_message',
    trigger_id: '1.2.3',
    action_ts: '1700000000.000100',
    message_ts: '1700000000.000050',
    channel: { id: 'C0000GENERAL', name: 'general' },
    message: { type: 'message', text: 'hello', ts: '1700000000.000050', user: PEOPLE.rep },
    response_url: 'http://127.0.0.1:9/unused',
  },
  block_suggestion: {
    ...base,
    type: 'block_suggestion',
    action_id: 'pick_deal',
    block_id: 'b1',
    value: 'sto',
    container: { type: 'view', view_id: 'V0000000001' },
    view,
  },
  'a type added later': { ...base, type: 'some_future_payload' },
}

describe('interactive payloads the app does not use', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string }> = []
  beforeAll(async () => {
    const logger = createLogger('debug', { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) })
    t = await startSlackTestApp({ company: await sampleCompany(200), logger })
  })
  afterAll(async () => {
    await t.close()
  })

  for (const [name, payload] of Object.entries(payloads)) {
    it(`acknowledges ${name} with an empty 200 at once (form payload= and JSON)`, async () => {
      for (const [body, type] of [
        [new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded'],
        [JSON.stringify(payload), 'application/json'],
      ] as const) {
        const started = Date.now()
        const res = await postSigned(t.url, SIGNING_SECRET, body, type)
        expect(res.status).toBe(200)
        expect(res.text).toBe('')
        expect(Date.now() - started).toBeLessThan(2500) // within Slack's 3 s, with room for a busy machine
      }
    })
  }

  it('logs them at debug level only, and calls no Slack method for them', async () => {
    const calls = t.fake.calls.length
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      new URLSearchParams({ payload: JSON.stringify(payloads.shortcut) }).toString(),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    expect(lines.filter((l) => l.level > 20 && /acknowledged|3 seconds|type of an incoming event/.test(l.msg))).toEqual([])
    expect(lines.some((l) => l.level === 20 && /does not use/.test(l.msg))).toBe(true)
    expect(t.fake.calls.length).toBe(calls)
  })

  it('answers /pulse renamed in the app settings (/salespulse) as /pulse, acknowledged at once', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const form = new URLSearchParams(slashCommandBody({ userId: PEOPLE.cro, text: 'losses', responseUrl }))
    form.set('command', '/salespulse')
    const started = Date.now()
    const res = await postSigned(t.url, SIGNING_SECRET, form.toString(), 'application/x-www-form-urlencoded')
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(2500) // within Slack's 3 s
    expect((JSON.parse(res.text) as { text: string }).text).toContain('Working on `/salespulse losses`')
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the answer')
    expect(JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)).toContain('lost')
  })

  it('teaches the command by the name it was given (/salespulse) in its help, unknown-subcommand and usage answers', async () => {
    for (const text of ['help', 'winrat', 'winrate 0', 'deal']) {
      const form = new URLSearchParams(slashCommandBody({ userId: PEOPLE.cro, text, responseUrl: t.fake.responseUrl() }))
      form.set('command', '/salespulse')
      const res = await postSigned(t.url, SIGNING_SECRET, form.toString(), 'application/x-www-form-urlencoded')
      expect(res.status).toBe(200)
      const ack = JSON.parse(res.text) as { text: string; blocks?: unknown[] }
      const shown = `${ack.text} ${JSON.stringify(ack.blocks ?? [])}`
      expect(shown, text).toMatch(/\/salespulse (winrate|deal)/)
      expect(shown, text).not.toContain('/pulse ')
    }
  })

  it('still refuses an unsigned one (401)', async () => {
    const body = new URLSearchParams({ payload: JSON.stringify(payloads.view_submission) }).toString()
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    expect(res.status).toBe(401)
  })

  it('acknowledges and logs a click on an unknown button in a view, not as an error, though it has no response_url', async () => {
    lines.length = 0
    // A block_actions payload from a Home tab: container of type view, a view, no response_url.
    const payload = {
      ...base,
      type: 'block_actions',
      trigger_id: '1.2.3',
      container: { type: 'view', view_id: 'V0000000002' },
      view: { ...view, id: 'V0000000002', type: 'home', callback_id: '' },
      actions: [{ type: 'button', action_id: 'pulse_old_home_button', block_id: 'b1', value: 'x', action_ts: '1700000001.000200' }],
    }
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    await new Promise((r) => setTimeout(r, 200))
    expect(lines.some((l) => /unknown button/.test(l.msg))).toBe(true)
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
  })
})

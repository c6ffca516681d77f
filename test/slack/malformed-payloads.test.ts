import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { payloadFlaw } from '../../src/slack/app/payload-flaw.js'
import { appHomeOpenedBody, blockActionBody, eventCallbackBody, postSigned, slashCommandBody } from '../fakes/slack-fake.js'
import { PEOPLE, pulseAnswers, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// Slack always sends these fields, in these types; an outside client or fake posting to the
// request URL may not. Each such request gets an empty 200 at once, runs nothing, and is logged
// once as a warning naming the field; nothing may answer 500, or 404 after three seconds, or log
// an error, and the app goes on serving the requests that follow.

const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'

type Payload = Record<string, unknown>

function click(change: (p: Payload & { actions: Payload[] }) => void): string {
  const body = blockActionBody({ userId: PEOPLE.rep, actionId: 'pulse_snooze_7d', value: 'D1', responseUrl: 'http://127.0.0.1:9/r' })
  const payload = JSON.parse(new URLSearchParams(body).get('payload') as string) as Payload & { actions: Payload[] }
  change(payload)
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
}

function event(change: (envelope: Payload, event: Payload) => void): string {
  const envelope = JSON.parse(appHomeOpenedBody(PEOPLE.cro)) as Payload & { event: Payload }
  change(envelope, envelope.event)
  return JSON.stringify(envelope)
}

function command(fields: Payload): string {
  const form = Object.fromEntries(
    new URLSearchParams(slashCommandBody({ userId: PEOPLE.cro, text: 'losses', responseUrl: 'http://127.0.0.1:9/r' })),
  )
  return JSON.stringify({ ...form, ...fields })
}

const cases: Array<[name: string, body: string, type: typeof FORM | typeof JSON_TYPE, field: RegExp]> = [
  ['a click with no user', click((p) => delete p.user), FORM, /no user\.id/],
  ['a click whose user is null', click((p) => (p.user = null)), FORM, /no user\.id/],
  ['a click whose user has no id', click((p) => (p.user = { name: 'rep' })), FORM, /no user\.id/],
  ['a click with an empty actions list', click((p) => (p.actions = [])), FORM, /no actions/],
  ['a click whose actions is null', click((p) => ((p as Payload).actions = null)), FORM, /no actions/],
  ['a click whose action has no action_id', click((p) => (p.actions = [{ type: 'button', value: 'D1' }])), FORM, /action_id/],
  ['a click whose channel is null', click((p) => (p.channel = null)), FORM, /channel/],
  ['a click whose message.blocks is not a list', click((p) => (p.message = { ts: '1.2', blocks: 'x' })), FORM, /message\.blocks/],
  [
    'a click as JSON with no user',
    JSON.stringify({ type: 'block_actions', actions: [{ action_id: 'pulse_snooze_7d' }] }),
    JSON_TYPE,
    /no user\.id/,
  ],
  ['app_home_opened whose user is null', event((_, e) => (e.user = null)), JSON_TYPE, /event\.user/],
  ['app_home_opened with no user', event((_, e) => delete e.user), JSON_TYPE, /event\.user/],
  ['app_home_opened whose user is a number', event((_, e) => (e.user = 5)), JSON_TYPE, /event\.user/],
  ['app_home_opened whose channel is null', event((_, e) => (e.channel = null)), JSON_TYPE, /event\.channel/],
  ['an event whose authorizations[0] is null', event((b) => (b.authorizations = [null])), JSON_TYPE, /authorizations/],
  [
    'an app_mention whose fields are null',
    eventCallbackBody({ type: 'app_mention', user: null, text: null, channel: null, ts: null }),
    JSON_TYPE,
    /app_mention.*event\.user/,
  ],
  [
    'a message.im whose user and channel are null',
    eventCallbackBody({ type: 'message', channel_type: 'im', user: null, text: null, channel: null }),
    JSON_TYPE,
    /message.*event\.user/,
  ],
  [
    'a reaction_added whose item is null',
    eventCallbackBody({ type: 'reaction_added', user: PEOPLE.cro, item: null }),
    JSON_TYPE,
    /event\.item/,
  ],
  ['a subteam_created whose subteam is null', eventCallbackBody({ type: 'subteam_created', subteam: null }), JSON_TYPE, /event\.subteam/],
  ['a JSON slash command whose text is a number', command({ text: 5 }), JSON_TYPE, /text is not text/],
  ['a JSON slash command whose user_id is an object', command({ user_id: { id: PEOPLE.cro } }), JSON_TYPE, /user_id is not text/],
  ['a JSON slash command with an empty command', command({ command: '' }), JSON_TYPE, /not a \/name/],
  [
    'a form slash command that gives its text twice',
    `${slashCommandBody({ userId: PEOPLE.cro, text: 'losses', responseUrl: 'http://127.0.0.1:9/r' })}&text=winrate`,
    FORM,
    /text is given more than once/,
  ],
]

describe('payloads lacking a field Slack always sends, or sending it in another type', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string }> = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) })
    t = await startSlackTestApp({ company: await sampleCompany(200), logger })
  })
  afterAll(async () => {
    await t.close()
  })

  it('acknowledges each with an empty 200 at once, runs nothing, and logs one warning naming the field', async () => {
    lines.length = 0
    const calls = t.fake.calls.length
    const answers = await Promise.all(
      cases.map(async ([, body, type]) => {
        const started = Date.now()
        const res = await postSigned(t.url, SIGNING_SECRET, body, type)
        return { ...res, ms: Date.now() - started }
      }),
    )
    for (const [i, [name]] of cases.entries()) {
      expect(answers[i]?.status, name).toBe(200)
      expect(answers[i]?.text, name).toBe('')
      expect(answers[i]?.ms, name).toBeLessThan(2500) // within Slack's 3 s, with room for a busy machine
    }
    // Past Bolt's three seconds, so a request it left unacknowledged would have been logged by now.
    await new Promise((r) => setTimeout(r, 3200))
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
    const warned = lines.filter((l) => l.level === 40).map((l) => l.msg)
    expect(warned).toHaveLength(cases.length)
    for (const message of warned) expect(message).toMatch(/^Slack request not run: .*Acknowledged \(200\) and nothing done/)
    for (const [name, , , field] of cases)
      expect(
        warned.some((m) => field.test(m)),
        name,
      ).toBe(true)
    expect(t.fake.calls.length).toBe(calls)
  }, 15_000)

  it('still runs the well-formed requests that follow', async () => {
    const answers = await pulseAnswers(t, PEOPLE.cro, 'losses')
    expect(JSON.stringify(answers.at(-1))).toMatch(/lost/)
    lines.length = 0
    expect((await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.cro), JSON_TYPE)).status).toBe(200)
    await new Promise((r) => setTimeout(r, 300))
    expect(lines.filter((l) => l.level >= 40)).toEqual([])
  })
})

describe('payloadFlaw', () => {
  it('finds nothing wrong in what Slack sends, nor in fields Slack may leave out', () => {
    const asSent = (body: string) => JSON.parse(new URLSearchParams(body).get('payload') as string) as unknown
    expect(payloadFlaw(asSent(click(() => undefined)))).toBeUndefined()
    expect(payloadFlaw(asSent(click((p) => Object.assign(p, { team: null, enterprise: null, message: undefined }))))).toBeUndefined()
    expect(payloadFlaw(JSON.parse(appHomeOpenedBody(PEOPLE.cro)))).toBeUndefined()
    expect(payloadFlaw(JSON.parse(eventCallbackBody({ type: 'app_uninstalled' })))).toBeUndefined()
    expect(payloadFlaw(JSON.parse(eventCallbackBody({ type: 'tokens_revoked', tokens: { oauth: ['U1'], bot: [] } })))).toBeUndefined()
    expect(payloadFlaw(JSON.parse(eventCallbackBody({ type: 'user_change', user: { id: 'U1' } })))).toBeUndefined()
    expect(
      payloadFlaw(Object.fromEntries(new URLSearchParams(slashCommandBody({ userId: 'U1', text: '', responseUrl: 'x' })))),
    ).toBeUndefined()
    expect(payloadFlaw(JSON.parse(command({ text: null, enterprise_id: null })))).toBeUndefined()
    // Payloads the app does not run are not judged here.
    expect(payloadFlaw({ type: 'view_submission', user: null })).toBeUndefined()
    expect(payloadFlaw(null)).toBeUndefined()
  })

  it('never quotes a value from the body', () => {
    expect(payloadFlaw(JSON.parse(eventCallbackBody({ type: '<!channel> xoxb-secret', user: null })))).not.toMatch(/channel>|xoxb/)
  })
})

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Config, loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { planManagerDigests } from '../../src/slack/alerts/plan-manager-digests.js'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackApp, createWebClient, type SlackApp } from '../../src/slack/app/create-slack-app.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import { uploadFile } from '../../src/slack/app/upload-file.js'
import { userFacingError } from '../../src/slack/app/user-facing-error.js'
import { drainOutbox } from '../../src/slack/outbox/drain-outbox.js'
import { type DocsCall, DocsSlackFake, docsSignedHeaders } from './docs-slack-fake.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, sampleCompany } from './slack-test-app.js'

// Drives the real app against a fake Slack written only from Slack's documented wire formats.

const FORM = 'application/x-www-form-urlencoded'

describe('the Slack side against a fake written from the Slack docs', () => {
  let fake: DocsSlackFake
  let company: SampleCompany
  let slack: SlackApp
  let config: Config
  let url = ''
  let repDealId = ''

  beforeAll(async () => {
    clearSlackUserMemory()
    clearDmMemory()
    company = await sampleCompany(1200)
    fake = await new DocsSlackFake(company.users.flatMap((u) => (u.email ? [{ id: u.id, email: u.email }] : []))).start()
    config = loadConfig({
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: company.rosterPath,
      PULSE_ALERT_CHANNEL: 'C0ALERTS01',
    })
    const logger = silentLogger()
    const services = createPulseServices({ store: company.store, config, logger })
    // The Web API retry policy `pulse serve` runs with (a 429 is waited out, then retried).
    slack = createSlackApp({ store: company.store, config, logger, roster: company.roster, services })
    const server = (await slack.start(0)) as Server
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const owner = await company.store.db
      .selectFrom('owners')
      .select('owner_id')
      .where('email', '=', company.emails.rep)
      .executeTakeFirstOrThrow()
    const deal = await company.store.db
      .selectFrom('deals')
      .select('deal_id')
      .where('owner_id', '=', owner.owner_id)
      .where('outcome', '=', 'open')
      .orderBy('deal_id')
      .executeTakeFirstOrThrow()
    repDealId = deal.deal_id
  }, 60_000)

  afterAll(async () => {
    await slack?.stop()
    await fake?.stop()
    await company?.store.close()
  })

  async function post(body: string, contentType: string) {
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...docsSignedHeaders(SIGNING_SECRET, body) },
      body,
    })
    const text = await res.text()
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text }
  }

  // The slash-command payload as Slack's "Implementing slash commands" page lists its fields.
  function slashCommand(userId: string, text: string, responseUrl: string): string {
    return new URLSearchParams({
      token: 'verification-token-unused',
      team_id: 'T0DOCS0001',
      team_domain: 'docs-test',
      channel_id: 'C0GENERAL1',
      channel_name: 'general',
      user_id: userId,
      user_name: 'someone',
      command: '/pulse',
      text,
      api_app_id: 'A0PULSE001',
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: '123.456.abcdef',
    }).toString()
  }

  async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
    const end = Date.now() + ms
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; violations: ${fake.violations.join('; ')}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  it('checked its token with auth.test (Bearer, form-encoded) before taking requests', () => {
    expect(fake.called('auth.test').length).toBeGreaterThan(0)
    expect(fake.violations).toEqual([])
  })

  it('answers url_verification with the challenge as JSON', async () => {
    const body = JSON.stringify({ token: 'x', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' })
    const res = await post(body, 'application/json')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' })
  })

  it('acks /pulse help in the HTTP response: ephemeral, with a text fallback and valid blocks, and calls no Web API', async () => {
    const before = fake.calls.length
    const res = await post(slashCommand(PEOPLE.rep, 'help', fake.responseUrl()), FORM)
    expect(res.status).toBe(200)
    expect(res.contentType).toContain('application/json')
    const body = JSON.parse(res.text) as { response_type?: string; text?: string; blocks?: unknown[] }
    expect(body.response_type).toBe('ephemeral')
    expect(body.text).toMatch(/\/pulse winrate/)
    fake.checkBlocks('help ack', body.blocks, 50)
    expect(fake.calls.length).toBe(before)
    expect(fake.violations).toEqual([])
  })

  it('/pulse winrate: acks within the 3 s rule, uploads the chart in the three documented steps into a DM, and answers via response_url', async () => {
    const responseUrl = fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const started = Date.now()
    const res = await post(slashCommand(PEOPLE.cro, 'winrate', responseUrl), FORM)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(res.status).toBe(200)
    expect((JSON.parse(res.text) as { response_type: string }).response_type).toBe('ephemeral')
    await until('the winrate answer', () => fake.responses.some((r) => r.id === id))
    const answer = fake.responses.find((r) => r.id === id)?.body as Record<string, unknown>
    expect(answer.response_type).toBe('ephemeral')
    expect(typeof answer.text).toBe('string')

    const open = fake.called('conversations.open').at(-1) as DocsCall
    expect(open.contentType).toContain(FORM)
    expect(open.params.users).toBe(PEOPLE.cro)
    const getUrl = fake.called('files.getUploadURLExternal').at(-1) as DocsCall
    expect(getUrl.contentType).toContain(FORM)
    expect(Number(getUrl.params.length)).toBeGreaterThan(100)
    expect(String(getUrl.params.filename)).toMatch(/\.png$/)
    expect(getUrl.params.alt_txt, 'the documented name of the alt text argument').toEqual(expect.any(String))
    const upload = fake.uploads.at(-1)
    expect(upload?.hasPng).toBe(true)
    const complete = fake.called('files.completeUploadExternal').at(-1) as DocsCall
    expect(complete.params.files).toEqual([{ id: upload?.id, title: expect.any(String) }])
    expect(String(complete.params.channel_id)).toMatch(/^D/)
    // Which form carries the chart's message: blocks need no initial_comment.
    expect(complete.params.initial_comment === undefined || complete.params.blocks === undefined).toBe(true)
    expect(fake.violations).toEqual([])
  })

  it('/pulse deal <id> for the owner answers with the deal through response_url and a Share button', async () => {
    const responseUrl = fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const res = await post(slashCommand(PEOPLE.rep, `deal ${repDealId}`, responseUrl), FORM)
    expect(res.status).toBe(200)
    await until('the deal answer', () => fake.responses.some((r) => r.id === id))
    const answer = fake.responses.find((r) => r.id === id)?.body as { text: string; blocks: Array<{ type: string }> }
    expect(JSON.stringify(answer.blocks)).toContain(repDealId)
    expect(answer.blocks.some((b) => b.type === 'actions')).toBe(true)
    expect(fake.violations).toEqual([])
  })

  it('/pulse deal for a deal the asker cannot see says so, without naming it', async () => {
    const responseUrl = fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await post(slashCommand(PEOPLE.stranger, `deal ${repDealId}`, responseUrl), FORM)
    await until('the refusal', () => fake.responses.some((r) => r.id === id))
    const answer = fake.responses.find((r) => r.id === id)?.body as { text: string; blocks?: unknown }
    expect(answer.text).not.toContain(repDealId)
    expect(fake.violations).toEqual([])
  })

  it('publishes a home view (type home, ≤100 valid blocks) for app_home_opened', async () => {
    const before = fake.called('views.publish').length
    const body = JSON.stringify({
      token: 'x',
      team_id: 'T0DOCS0001',
      api_app_id: 'A0PULSE001',
      event: { type: 'app_home_opened', user: PEOPLE.manager, channel: 'D0PULSEDM1', tab: 'home', event_ts: `${Date.now() / 1000}` },
      type: 'event_callback',
      event_id: 'Ev0DOCS0001',
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: 'T0DOCS0001', user_id: 'U0BOT00001', is_bot: true }],
    })
    const res = await post(body, 'application/json')
    expect(res.status).toBe(200)
    await until('views.publish', () => fake.called('views.publish').length > before)
    const call = fake.called('views.publish').at(-1) as DocsCall
    expect(call.params.user_id).toBe(PEOPLE.manager)
    expect((call.params.view as { type: string }).type).toBe('home')
    expect(fake.violations).toEqual([])
  })

  it('sends stalled-deal DMs the documented way and, on a 429, waits and sends again', async () => {
    fake.rateLimitOnce('chat.postMessage', 1)
    const first = await sendStalledDealDms(slack.ctx, { perChannelIntervalMs: 0, concurrency: 4 })
    expect(first.drain.rateLimited).toBe(1)
    const again = await sendStalledDealDms(slack.ctx, { perChannelIntervalMs: 0, concurrency: 4 })
    const posts = fake.called('chat.postMessage')
    expect(posts.length).toBeGreaterThan(1)
    expect(first.drain.sent + again.drain.sent).toBe(posts.length - 1)
    for (const p of posts) {
      expect(p.contentType).toContain(FORM)
      expect(String(p.params.channel)).toMatch(/^D/)
      expect(typeof p.params.text).toBe('string')
    }
    expect(fake.violations).toEqual([])
  }, 60_000)

  it('a Snooze click (block_actions, payload=) replaces the message through response_url', async () => {
    const dm = fake.called('chat.postMessage').find((c) => JSON.stringify(c.params.blocks).includes('pulse_snooze_7d')) as DocsCall
    expect(dm).toBeDefined()
    const blocks = dm.params.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>
    const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'pulse_snooze_7d') as { value: string }
    const dmChannel = String(dm.params.channel)
    const ownerId = fake.called('conversations.open').find((c) => dmChannel === `D${String(c.params.users).slice(1, 11).padEnd(9, '0')}`)
      ?.params.users as string
    const responseUrl = fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const payload = {
      type: 'block_actions',
      user: { id: ownerId, username: 'owner', name: 'owner', team_id: 'T0DOCS0001' },
      api_app_id: 'A0PULSE001',
      token: 'x',
      container: { type: 'message', message_ts: '1721462400.000100', channel_id: dmChannel, is_ephemeral: false },
      trigger_id: '123.456.abc',
      team: { id: 'T0DOCS0001', domain: 'docs-test' },
      channel: { id: dmChannel, name: 'directmessage' },
      message: { type: 'message', ts: '1721462400.000100', text: dm.params.text, blocks },
      response_url: responseUrl,
      actions: [
        {
          type: 'button',
          action_id: 'pulse_snooze_7d',
          block_id: 'b1',
          value: button.value,
          text: { type: 'plain_text', text: 'Snooze 7 days' },
          action_ts: '1721462401.000200',
        },
      ],
    }
    const res = await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM)
    expect(res.status).toBe(200)
    await until('the snooze answer', () => fake.responses.some((r) => r.id === id))
    const answer = fake.responses.find((r) => r.id === id)?.body as {
      replace_original?: boolean
      text: string
      blocks: Array<{ type: string }>
    }
    expect(answer.replace_original).toBe(true)
    expect(answer.text).toMatch(/Snoozed until/)
    expect(answer.blocks.some((b) => b.type === 'actions')).toBe(false)
    expect(fake.violations).toEqual([])
  })

  function click(userId: string, channelId: string, responseUrl: string, action: { action_id: string; value: string }, message?: unknown) {
    const payload = {
      type: 'block_actions',
      user: { id: userId, username: 'someone', name: 'someone', team_id: 'T0DOCS0001' },
      api_app_id: 'A0PULSE001',
      token: 'x',
      container: { type: 'message', message_ts: '1721462400.000300', channel_id: channelId, is_ephemeral: message === undefined },
      trigger_id: '123.456.abc',
      team: { id: 'T0DOCS0001', domain: 'docs-test' },
      channel: { id: channelId, name: 'general' },
      ...(message ? { message } : {}),
      response_url: responseUrl,
      actions: [
        { type: 'button', block_id: 'b9', text: { type: 'plain_text', text: 'Button' }, action_ts: '1721462401.000400', ...action },
      ],
    }
    return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM)
  }

  async function dealAnswer(userId: string) {
    const responseUrl = fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await post(slashCommand(userId, `deal ${repDealId}`, responseUrl), FORM)
    await until('the deal answer', () => fake.responses.some((r) => r.id === id))
    const answer = fake.responses.find((r) => r.id === id)?.body as {
      blocks: Array<{ elements?: Array<{ action_id?: string; value?: string }> }>
    }
    const share = answer.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'pulse_share_in_channel')
    return { responseUrl, share: share as { action_id: string; value: string } }
  }

  it('when the response_url has expired (404 expired_url), the answer arrives as a DM instead', async () => {
    const responseUrl = fake.responseUrl()
    fake.expireResponseUrl(responseUrl)
    const before = fake.called('chat.postMessage').length
    const res = await post(slashCommand(PEOPLE.rep, `deal ${repDealId}`, responseUrl), FORM)
    expect(res.status).toBe(200)
    await until('the DM', () => fake.called('chat.postMessage').length > before)
    const dm = fake.called('chat.postMessage').at(-1) as DocsCall
    expect(String(dm.params.channel)).toMatch(/^D/)
    expect(typeof dm.params.text).toBe('string')
    expect(JSON.stringify(dm.params.blocks)).toContain(repDealId)
    expect(fake.violations).toEqual([])
  })

  it('Share in channel into a channel the app is not in says to invite it; once invited, posts there and removes the private copy', async () => {
    const { share } = await dealAnswer(PEOPLE.rep)
    expect(share).toBeDefined()
    const refusedUrl = fake.responseUrl()
    const refusedId = refusedUrl.split('/').pop() as string
    expect((await click(PEOPLE.rep, 'C0GENERAL1', refusedUrl, share)).status).toBe(200)
    await until('the refusal', () => fake.responses.some((r) => r.id === refusedId))
    const refusal = fake.responses.find((r) => r.id === refusedId)?.body as { text: string; replace_original?: boolean }
    expect(refusal.text).toMatch(/invite/)
    // "Invite me and try again" needs the private answer and its Share button to stay: a new ephemeral, not a replacement.
    expect(refusal.replace_original).toBe(false)

    fake.memberOf.add('C0GENERAL1')
    const before = fake.called('chat.postMessage').length
    const sharedUrl = fake.responseUrl()
    const sharedId = sharedUrl.split('/').pop() as string
    await click(PEOPLE.rep, 'C0GENERAL1', sharedUrl, share)
    await until('the shared post', () => fake.responses.some((r) => r.id === sharedId))
    const posted = fake.called('chat.postMessage').slice(before)
    expect(posted.map((c) => c.params.channel)).toEqual(['C0GENERAL1'])
    expect(typeof posted[0]?.params.text).toBe('string')
    expect(fake.responses.find((r) => r.id === sharedId)?.body).toEqual({ delete_original: true })
    fake.memberOf.delete('C0GENERAL1')
    expect(fake.violations).toEqual([])
  })

  it('a 429 with Retry-After on conversations.open during a command is waited out, and the chart and answer still arrive', async () => {
    fake.rateLimitOnce('conversations.open', 1)
    const responseUrl = fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const before = fake.called('conversations.open').length
    const uploads = fake.uploads.length
    await post(slashCommand(PEOPLE.manager, 'winrate', responseUrl), FORM)
    await until('the answer', () => fake.responses.some((r) => r.id === id))
    expect(fake.called('conversations.open').length - before).toBe(2)
    expect(fake.uploads.length).toBe(uploads + 1)
    expect(JSON.stringify(fake.responses.find((r) => r.id === id)?.body)).not.toMatch(/could not be sent/)
    expect(fake.violations).toEqual([])
  })

  it('a chart shared as a thread reply sends thread_ts as a ts string with channel_id', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 1)])
    const id = await uploadFile(slack.client, {
      channelId: 'C0ALERTS01',
      data: png,
      filename: 'chart.png',
      title: 'Chart',
      altText: 'x'.repeat(1500),
      threadTs: '1721462400.000100',
    })
    const complete = fake.called('files.completeUploadExternal').at(-1) as DocsCall
    expect(complete.params).toMatchObject({ channel_id: 'C0ALERTS01', thread_ts: '1721462400.000100', files: [{ id, title: 'Chart' }] })
    expect(String(fake.called('files.getUploadURLExternal').at(-1)?.params.alt_txt).length).toBe(1000)
    expect(fake.violations).toEqual([])
  })

  it('a chart whose alt text is cut to 1,000 characters inside an emoji (stage names of emoji) is still uploaded', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 1)])
    // 'x' then emoji: code unit 999 is the first half of an emoji.
    const altText = `x${'🚀'.repeat(800)}`
    await uploadFile(slack.client, { channelId: 'C0ALERTS01', data: png, filename: 'chart.png', title: 'Chart', altText })
    const sent = String(fake.called('files.getUploadURLExternal').at(-1)?.params.alt_txt)
    expect(sent.length).toBeLessThanOrEqual(1000)
    expect(sent.startsWith(`x${'🚀'.repeat(400)}`)).toBe(true)
    expect(sent).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
    expect(fake.violations).toEqual([])
  })

  it('a 429 that outlasts the retries reaches the user as the rate-limit sentence, not as our own failure', async () => {
    const client = createWebClient(config, silentLogger(), 0)
    fake.rateLimitOnce('users.info', 0)
    const error = await client.users.info({ user: PEOPLE.rep }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeDefined()
    expect(userFacingError(error)).toMatch(/rate-limiting/)
  })

  it('reads command text the way Slack sends it (&, < and > arrive as &amp;, &lt; and &gt;)', async () => {
    await company.store.db.updateTable('deals').set({ deal_name: 'Smith & Jones <EU> renewal' }).where('deal_id', '=', repDealId).execute()
    const responseUrl = fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await post(slashCommand(PEOPLE.rep, 'deal Smith &amp; Jones &lt;EU&gt;', responseUrl), FORM)
    await until('the deal answer', () => fake.responses.some((r) => r.id === id))
    const answer = fake.responses.find((r) => r.id === id)?.body as { text: string; blocks?: unknown }
    expect(JSON.stringify(answer.blocks ?? answer.text)).toContain(repDealId)
    expect(fake.violations).toEqual([])
  })

  it.each([
    ['executive', PEOPLE.cro],
    ['rep', PEOPLE.rep],
    ['stranger', PEOPLE.stranger],
  ])('the %s Home is a valid home view; the Messages tab publishes nothing', async (_role, user) => {
    const event = (tab: string, n: string) =>
      JSON.stringify({
        token: 'x',
        team_id: 'T0DOCS0001',
        api_app_id: 'A0PULSE001',
        event: { type: 'app_home_opened', user, channel: 'D0PULSEDM1', tab, event_ts: `${Date.now() / 1000}` },
        type: 'event_callback',
        event_id: `Ev0HOME${user}${n}`,
        event_time: Math.floor(Date.now() / 1000),
      })
    const before = fake.called('views.publish').length
    expect((await post(event('messages', 'm'), 'application/json')).status).toBe(200)
    expect((await post(event('home', 'h'), 'application/json')).status).toBe(200)
    await until('views.publish', () => fake.called('views.publish').length > before)
    await new Promise((r) => setTimeout(r, 100))
    const calls = fake.called('views.publish').slice(before)
    expect(calls).toHaveLength(1)
    expect(calls[0]?.params.user_id).toBe(user)
    expect((calls[0]?.params.view as { blocks?: unknown[] } | undefined)?.blocks?.length).toBeGreaterThan(0)
    expect(fake.violations).toEqual([])
  })

  it('a post whose answer was lost is found in conversations.history by its metadata and not sent twice', async () => {
    expect(await planManagerDigests(slack.ctx, AS_OF)).toBeGreaterThan(0)
    fake.dropNextAnswer('chat.postMessage')
    const before = fake.called('chat.postMessage').length
    const first = await drainOutbox(slack.ctx, { perChannelIntervalMs: 0, concurrency: 1 })
    expect(first.left).toBe(1)
    const sentFirst = fake.called('chat.postMessage').length - before
    const second = await drainOutbox(slack.ctx, { perChannelIntervalMs: 0 })
    expect(second.recovered).toBe(1)
    expect(fake.called('chat.postMessage').length - before).toBe(sentFirst)
    const history = fake.called('conversations.history').at(-1) as DocsCall
    expect(history.contentType).toContain(FORM)
    expect(String(history.params.channel)).toMatch(/^D/)
    expect(history.params.include_all_metadata).toBe('true')
    expect(fake.violations).toEqual([])
  })
})

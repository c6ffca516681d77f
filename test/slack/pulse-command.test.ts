import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describe('/pulse over HTTP against a fake Slack', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  async function pulse(userId: string, text: string, channelId = 'C0000GENERAL') {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const res = await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, channelId, responseUrl }), FORM)
    return { res, id, responses: () => t.fake.responses.filter((r) => r.id === id) }
  }

  it('rejects a forged signature and a stale timestamp with 401 and does nothing', async () => {
    const before = t.fake.calls.filter((c) => c.method !== 'auth.test').length
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: t.fake.responseUrl() })
    const forged = await postSigned(t.url, 'not-the-secret', body, FORM)
    expect(forged.status).toBe(401)
    const stale = await postSigned(t.url, SIGNING_SECRET, body, FORM, Math.floor(Date.now() / 1000) - 6 * 60)
    expect(stale.status).toBe(401)
    await new Promise((r) => setTimeout(r, 100))
    expect(t.fake.calls.filter((c) => c.method !== 'auth.test').length).toBe(before)
  })

  it('answers help in the ack, and usage help for an unknown subcommand or a bad argument', async () => {
    const help = await pulse(PEOPLE.stranger, 'help')
    expect(help.res.status).toBe(200)
    expect(help.res.text).toContain('/pulse winrate')
    const unknown = await pulse(PEOPLE.cro, 'toString')
    expect(unknown.res.text).toContain("I don't know")
    expect(unknown.res.text).toContain('/pulse stalled')
    const bad = await pulse(PEOPLE.cro, 'winrate colour=blue')
    expect(bad.res.text).toContain('region=EMEA')
    const months = await pulse(PEOPLE.cro, 'winrate 0')
    expect(months.res.text).toContain('Months must be 1 or more, not 0')
    // A zero-width space copied along with the command is not part of it.
    const pasted = await pulse(PEOPLE.cro, '\u200bwinrate\u200b 0')
    expect(pasted.res.text).toContain('Months must be 1 or more, not 0')
    // Only message fields Slack knows go back in the ack; what the user typed is shown, never parsed as a mention.
    for (const r of [help, unknown]) expect(Object.keys(JSON.parse(r.res.text)).sort()).toEqual(['blocks', 'response_type', 'text'])
    const mention = await pulse(PEOPLE.cro, '<!channel> hello')
    expect(mention.res.text).toContain('&lt;!channel&gt;')
    expect(mention.res.text).not.toContain('<!channel>')
    expect(help.res.text).toContain('/pulse deal &lt;deal id or name&gt;')
    // A bare `/pulse` from a client that leaves the empty `text` field out altogether.
    const bare = new URLSearchParams(slashCommandBody({ userId: PEOPLE.cro, text: '', responseUrl: t.fake.responseUrl() }))
    bare.delete('text')
    const started = Date.now()
    const noText = await postSigned(t.url, SIGNING_SECRET, bare.toString(), FORM)
    expect(noText.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(2500) // within Slack's 3 s, with room for a busy machine
    expect(noText.text).toContain('/pulse winrate')
    const working = await pulse(PEOPLE.cro, 'deal <!here>')
    expect(working.res.text).not.toContain('<!here>')
    await waitFor(() => working.responses().length > 0, 20_000)
    expect(JSON.stringify(working.responses()[0]?.body)).toContain('matches \\"&lt;!here&gt;\\"')
    const which = await pulse(PEOPLE.cro, 'deal')
    expect(which.res.text).toContain('Usage: /pulse deal &lt;deal id or name&gt;')
  })

  for (const sub of ['winrate', 'losses', 'funnel', 'drivers', 'stalled']) {
    it(`/pulse ${sub}: acks at once, then the PNG arrives in the asker's DM with findings and a private answer with a share button`, async () => {
      const uploadsBefore = t.fake.callsOf('files.completeUploadExternal').length
      const started = Date.now()
      const { res, responses } = await pulse(PEOPLE.cro, sub)
      expect(res.status).toBe(200)
      expect(Date.now() - started).toBeLessThan(3000)
      expect(JSON.parse(res.text).text).toContain('Working on')
      await waitFor(() => responses().length > 0, 20_000, `${sub} answer`)
      const complete = t.fake.callsOf('files.completeUploadExternal').slice(uploadsBefore)
      expect(complete).toHaveLength(1)
      const call = complete[0]
      expect(call?.params.channel_id).toBe(`D${PEOPLE.cro.slice(1)}`)
      const fileId = ((call?.params.files ?? []) as Array<{ id: string }>)[0]?.id as string
      const png = PNG.sync.read(t.fake.uploads.get(fileId) as Buffer)
      expect(png.width).toBeGreaterThan(200)
      // files.getUploadURLExternal as Slack documents it: filename, length in bytes, alt_txt.
      const asked = t.fake.callsOf('files.getUploadURLExternal').at(-1)?.params ?? {}
      expect(String(asked.filename)).toMatch(new RegExp(`^${sub}-\\d{4}-\\d{2}-\\d{2}\\.png$`))
      expect(Number(asked.length)).toBe(t.fake.uploads.get(fileId)?.length)
      const alt = t.fake.altTexts.get(fileId) ?? ''
      expect(alt.length).toBeGreaterThan(10)
      expect(alt.length).toBeLessThanOrEqual(1000)
      expect(JSON.stringify(call?.params.blocks)).toMatch(/header/)
      const answer = responses()[0]?.body as { response_type: string; blocks: unknown[]; replace_original: boolean }
      expect(answer.response_type).toBe('ephemeral')
      expect(JSON.stringify(answer.blocks)).toContain('pulse_share_in_channel')
    })
  }

  it('offers no Share in channel button for a command typed in a direct message (the app cannot post in one between others)', async () => {
    for (const channelId of ['D0ANA0BEN1', `D${PEOPLE.cro.slice(1)}`]) {
      const { responses } = await pulse(PEOPLE.cro, 'losses', channelId)
      await waitFor(() => responses().length > 0, 20_000, 'the answer')
      const answer = responses()[0]?.body as { blocks: unknown[] }
      expect(JSON.stringify(answer.blocks)).toContain('Losses')
      expect(JSON.stringify(answer.blocks)).not.toContain('pulse_share_in_channel')
    }
  })

  it('answers a command whose payload names no channel (channel_id left out) with the report and no Share button', async () => {
    const dm = `D${PEOPLE.cro.slice(1)}`
    const before = t.fake.messages.filter((m) => m.channel === dm).length
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = new URLSearchParams(slashCommandBody({ userId: PEOPLE.cro, text: 'losses', responseUrl }))
    body.delete('channel_id')
    body.delete('channel_name')
    expect((await postSigned(t.url, SIGNING_SECRET, body.toString(), FORM)).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the answer')
    const answer = JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)
    expect(answer).toContain('Losses by stage')
    expect(answer).toContain('The chart is in your DM')
    expect(answer).not.toContain('pulse_share_in_channel')
    expect(answer).not.toMatch(/went wrong/)
    // The chart with its findings, and nothing else, went to the asker's DM.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const sent = t.fake.messages.filter((m) => m.channel === dm).slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.files).toHaveLength(1)
  })

  it('/pulse winrate with months and a filter narrows the report', async () => {
    const { responses } = await pulse(PEOPLE.cro, 'winrate 6 region=EMEA')
    await waitFor(() => responses().length > 0, 20_000)
    const text = JSON.stringify(responses()[0]?.body)
    expect(text).toContain('region=EMEA')
  })

  it('/pulse deal finds a deal by id or name and gives its facts', async () => {
    const deal = await t.company.store.db
      .selectFrom('deals')
      .select(['deal_id', 'deal_name', 'stage'])
      .where('outcome', '=', 'open')
      .limit(1)
      .executeTakeFirstOrThrow()
    const byId = await pulse(PEOPLE.cro, `deal ${deal.deal_id}`)
    await waitFor(() => byId.responses().length > 0, 20_000)
    const body = JSON.stringify(byId.responses()[0]?.body)
    expect(body).toContain('Amount')
    expect(body).toContain(deal.stage)
    const byName = await pulse(PEOPLE.cro, `deal ${deal.deal_name}`)
    await waitFor(() => byName.responses().length > 0, 20_000)
    expect(JSON.stringify(byName.responses()[0]?.body)).toContain(deal.deal_id)
    const missing = await pulse(PEOPLE.cro, 'deal no-such-deal-anywhere')
    await waitFor(() => missing.responses().length > 0, 20_000)
    expect(JSON.stringify(missing.responses()[0]?.body)).toContain('No deal you can see')
  })

  it('when the response URL refuses the answer (expired), the answer arrives as a DM instead', async () => {
    const gone = t.fake.apiUrl.replace('/api/', '/gone/r1')
    const dm = `D${PEOPLE.cro.slice(1)}`
    const before = t.fake.messages.filter((m) => m.channel === dm).length
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'status', responseUrl: gone })
    expect((await postSigned(t.url, SIGNING_SECRET, body, FORM)).status).toBe(200)
    await waitFor(() => t.fake.messages.filter((m) => m.channel === dm).length > before, 20_000, 'the DM')
    const sent = t.fake.messages.filter((m) => m.channel === dm).at(-1)
    expect(sent?.text).toContain('2,500 deals')
    expect(JSON.stringify(sent?.blocks)).toContain('Sales Pulse status')
  })

  it('when the response URL refuses a chart answer, the DM holds the findings once: the chart with them, then the Share button', async () => {
    const gone = t.fake.apiUrl.replace('/api/', '/gone/r2')
    const dm = `D${PEOPLE.cro.slice(1)}`
    const before = t.fake.messages.filter((m) => m.channel === dm).length
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: gone })
    expect((await postSigned(t.url, SIGNING_SECRET, body, FORM)).status).toBe(200)
    await waitFor(() => t.fake.messages.filter((m) => m.channel === dm).length >= before + 2, 20_000, 'the chart and the button')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const sent = t.fake.messages.filter((m) => m.channel === dm).slice(before)
    expect(sent).toHaveLength(2)
    expect(sent[0]?.files).toHaveLength(1)
    expect(JSON.stringify(sent[0]?.blocks)).toContain('Win rate')
    expect(JSON.stringify(sent[1]?.blocks)).toContain('Share in channel')
    expect(JSON.stringify(sent[1]?.blocks)).not.toContain('Win rate')
    expect(JSON.stringify(sent[1]?.blocks)).not.toContain('The chart is in your DM')
  })

  it('offers no Share button for a command too long to fit in one, instead of one that would fail', async () => {
    const long = `winrate region=${'North America '.repeat(150).trim()}`
    const { responses } = await pulse(PEOPLE.cro, long)
    await waitFor(() => responses().length > 0, 20_000)
    const answer = JSON.stringify(responses()[0]?.body)
    expect(answer).toContain('region=North America')
    expect(answer).not.toContain('Share in channel')
  })

  it('/pulse status reports the deals loaded to an executive, and to a manager or rep only the last load and the model', async () => {
    const cro = await pulse(PEOPLE.cro, 'status')
    await waitFor(() => cro.responses().length > 0, 20_000)
    expect(JSON.stringify(cro.responses()[0]?.body)).toContain('2,500')
    for (const person of [PEOPLE.manager, PEOPLE.rep]) {
      const { responses } = await pulse(person, 'status')
      await waitFor(() => responses().length > 0, 20_000)
      const text = JSON.stringify(responses()[0]?.body)
      expect(text).toContain('Last load')
      expect(text).not.toContain('2,500')
    }
  })

  it('/pulse sync is refused to a non-admin, and runs for an admin (telling them when no CRM is set up)', async () => {
    const refused = await pulse(PEOPLE.cro, 'sync')
    await waitFor(() => refused.responses().length > 0)
    expect(JSON.stringify(refused.responses()[0]?.body)).toContain('only Sales Pulse admins')
    const admin = await pulse(PEOPLE.admin, 'sync')
    await waitFor(() => admin.responses().length > 0)
    expect(JSON.stringify(admin.responses()[0]?.body)).toContain('No CRM is configured')
  })
})

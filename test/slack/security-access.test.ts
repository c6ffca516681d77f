import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REFUSAL_ADMIN, REFUSAL_DEAL, REFUSAL_UNKNOWN } from '../../src/slack/access/authorize.js'
import { SNOOZE_ACTION_ID } from '../../src/slack/actions/snooze-deal-action.js'
import { UPDATED_ACTION_ID } from '../../src/slack/actions/updated-in-crm-action.js'
import { SHARE_ACTION_ID } from '../../src/slack/commands/answer-command.js'
import { appHomeOpenedBody, blockActionBody, postSigned, signSlackRequest, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

const NO_EMAIL = 'UNOEMAIL01'
/** A bot user and a deactivated account whose profiles show a rep's and the CRO's email. */
const BOT = 'UBOTREP001'
const DEACTIVATED = 'UFORMER001'

describe('every Slack surface applies the roster before it shows data', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    const company = await sampleCompany()
    t = await startSlackTestApp({
      company,
      extraUsers: [
        { id: NO_EMAIL, email: null },
        { id: BOT, email: company.emails.rep, isBot: true },
        { id: DEACTIVATED, email: company.emails.cro, deleted: true },
      ],
      env: { PULSE_PUBLIC_URL: 'https://pulse.example' },
    })
  })
  afterAll(async () => {
    await t.close()
  })

  async function ask(userId: string, text: string) {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const uploads = t.fake.callsOf('files.completeUploadExternal').length
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ userId, text, responseUrl }),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    const body = t.fake.responses.find((r) => r.id === id)?.body
    return { text: JSON.stringify(body), uploaded: t.fake.callsOf('files.completeUploadExternal').length - uploads }
  }

  async function click(userId: string, actionId: string, value: string, channelId = 'DOWNER') {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const uploads = t.fake.callsOf('files.completeUploadExternal').length
    const posts = t.fake.callsOf('chat.postMessage').length
    await postSigned(
      t.url,
      SIGNING_SECRET,
      blockActionBody({ userId, actionId, value, responseUrl, channelId }),
      'application/x-www-form-urlencoded',
    )
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    return {
      text: JSON.stringify(t.fake.responses.filter((r) => r.id === id).map((r) => r.body)),
      uploaded: t.fake.callsOf('files.completeUploadExternal').length - uploads,
      posted: t.fake.callsOf('chat.postMessage').length - posts,
    }
  }

  async function ownerIdOf(email: string): Promise<string> {
    const row = await t.company.store.db.selectFrom('owners').select('owner_id').where('email', '=', email).executeTakeFirstOrThrow()
    return row.owner_id
  }

  async function dealOf(email: string) {
    return t.company.store.db
      .selectFrom('deals')
      .select(['deal_id', 'deal_name', 'amount'])
      .where('owner_id', '=', await ownerIdOf(email))
      .where('outcome', '=', 'open')
      .orderBy('deal_id')
      .limit(1)
      .executeTakeFirstOrThrow()
  }

  it('refuses every report subcommand to a stranger and to a Slack user with no email, with no numbers and no chart', async () => {
    for (const user of [PEOPLE.stranger, NO_EMAIL]) {
      for (const sub of ['winrate', 'losses', 'funnel', 'drivers', 'stalled', 'status', 'deal D-1', 'deal a']) {
        const a = await ask(user, sub)
        expect(a.text, `${sub} for ${user}`).toContain(REFUSAL_UNKNOWN)
        expect(a.text).not.toMatch(/\d+(\.\d+)?%|\$\d/)
        expect(a.uploaded).toBe(0)
      }
    }
  })

  it("refuses a bot and a deactivated account whatever email their profile shows (a rep's, the CRO's), on commands, buttons and Home", async () => {
    const mine = await dealOf(t.company.emails.rep)
    for (const user of [BOT, DEACTIVATED]) {
      for (const sub of ['stalled', 'winrate', `deal ${mine.deal_id}`]) {
        const a = await ask(user, sub)
        expect(a.text, `${sub} for ${user}`).toContain(REFUSAL_UNKNOWN)
        expect(a.text).not.toContain(mine.deal_id)
        expect(a.text).not.toMatch(/\d+(\.\d+)?%|\$\d/)
        expect(a.uploaded).toBe(0)
      }
      const snooze = await click(user, SNOOZE_ACTION_ID, mine.deal_id)
      expect(snooze.text, `snooze by ${user}`).toContain(REFUSAL_UNKNOWN)
      const before = t.fake.views.length
      await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')
      await waitFor(() => t.fake.views.length > before, 20_000, 'views.publish')
      const view = JSON.stringify(t.fake.views.at(-1))
      expect(view).toContain(REFUSAL_UNKNOWN)
      expect(view).not.toMatch(/\$\d|\d+%/)
    }
    // The rep's own account still sees the deal.
    expect((await ask(PEOPLE.rep, `deal ${mine.deal_id}`)).text).toContain(mine.deal_id)
  })

  it('lets only admins run sync', async () => {
    for (const user of [PEOPLE.cro, PEOPLE.manager, PEOPLE.rep, PEOPLE.stranger, NO_EMAIL]) {
      if (
        t.company.roster.admins.has(
          t.company.emails[(Object.keys(PEOPLE) as Array<keyof typeof PEOPLE>).find((k) => PEOPLE[k] === user) ?? 'stranger'] ?? '',
        )
      )
        continue
      const a = await ask(user, 'sync')
      expect(a.text, `sync for ${user}`).toContain(REFUSAL_ADMIN)
    }
  })

  it("finds a deal by name only among the asker's own deals", async () => {
    const other = await dealOf(t.company.emails.otherRep)
    const name = other.deal_name ?? other.deal_id
    const a = await ask(PEOPLE.rep, `deal ${name}`)
    expect(a.text).not.toContain(other.deal_id)
    const mine = await dealOf(t.company.emails.rep)
    const b = await ask(PEOPLE.rep, `deal ${mine.deal_id}`)
    expect(b.text).toContain(mine.deal_id)
  })

  it("refuses snooze and updated-in-CRM on someone else's deal, and changes nothing", async () => {
    const other = await dealOf(t.company.emails.otherRep)
    for (const [user, refusal] of [
      [PEOPLE.rep, REFUSAL_DEAL],
      [PEOPLE.stranger, REFUSAL_UNKNOWN],
      [NO_EMAIL, REFUSAL_UNKNOWN],
    ] as const) {
      for (const actionId of [SNOOZE_ACTION_ID, UPDATED_ACTION_ID]) {
        const a = await click(user, actionId, other.deal_id)
        expect(a.text, `${actionId} by ${user}`).toContain(refusal)
      }
    }
    const snoozes = await t.company.store.db
      .selectFrom('slack_snoozes' as never)
      .selectAll()
      .execute()
    expect(JSON.stringify(snoozes)).not.toContain(other.deal_id)
  })

  it('shares into a channel only what the clicker may see, whatever the button value says', async () => {
    const other = await ownerIdOf(t.company.emails.otherRep)
    const replayed = await click(
      PEOPLE.rep,
      SHARE_ACTION_ID,
      JSON.stringify({ t: `winrate sales_rep_id=${other}`, c: 'C0SALES001' }),
      'C0SALES001',
    )
    expect(replayed.text).toContain('only see your own deals')
    expect(replayed.uploaded + replayed.posted).toBe(0)
    const stranger = await click(PEOPLE.stranger, SHARE_ACTION_ID, JSON.stringify({ t: 'losses', c: 'C0SALES001' }), 'C0SALES001')
    expect(stranger.text).toContain(REFUSAL_UNKNOWN)
    expect(stranger.uploaded + stranger.posted).toBe(0)
    const sync = await click(PEOPLE.rep, SHARE_ACTION_ID, JSON.stringify({ t: 'sync', c: 'C0SALES001' }), 'C0SALES001')
    expect(sync.text).toContain(REFUSAL_ADMIN)
  })

  it('sends a rep a chart of their own deals only, into their own DM', async () => {
    const before = t.fake.callsOf('files.completeUploadExternal').length
    const a = await ask(PEOPLE.rep, 'stalled')
    expect(a.text).toContain('your deals')
    const uploads = t.fake.callsOf('files.completeUploadExternal').slice(before)
    for (const u of uploads) expect(JSON.stringify(u)).not.toContain(t.company.emails.otherRep)
  })

  it("shows a stranger's and an email-less user's Home tab no data, and a rep's Home only their deals", async () => {
    for (const user of [PEOPLE.stranger, NO_EMAIL, PEOPLE.rep]) {
      const before = t.fake.views.length
      await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')
      await waitFor(() => t.fake.views.length > before, 20_000, 'views.publish')
      const view = JSON.stringify(t.fake.views.at(-1))
      if (user === PEOPLE.rep) {
        expect(view).not.toContain((await dealOf(t.company.emails.otherRep)).deal_id)
        expect(view).not.toContain('image')
      } else {
        expect(view).toContain(REFUSAL_UNKNOWN)
        expect(view).not.toMatch(/\$\d|\d+%/)
      }
    }
  })

  it('answers no route with data without a valid signature, and serves charts only for a live random token', async () => {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: t.fake.responseUrl() })
    const unsigned = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    expect(unsigned.status).toBe(401)
    const wrong = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest('not-the-secret', body) },
      body,
    })
    expect(wrong.status).toBe(401)
    const stale = await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded', Math.floor(Date.now() / 1000) - 600)
    expect(stale.status).toBe(401)
    for (const path of ['/charts/1.png', `/charts/${'A'.repeat(43)}.png`, '/charts/../slack/events', '/health', '/slack/events', '/']) {
      const res = await fetch(`${t.url}${path}`)
      expect(res.status, path).not.toBe(200)
    }
  })
})

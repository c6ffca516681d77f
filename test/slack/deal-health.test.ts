import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import { appHomeOpenedBody, blockActionBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startScoredSlackTestApp } from './slack-test-app.js'

describe('with a trained model: health scores, reasons and the DM buttons', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startScoredSlackTestApp()
  }, 120_000)
  afterAll(async () => {
    await t.close()
  })

  it('puts the health score and its reasons into every stalled-deal DM', async () => {
    await sendStalledDealDms(t.slack.ctx, { perChannelIntervalMs: 0 })
    const dms = t.fake.messages.filter((m) => m.metadata?.event_type === 'sales_pulse_outbox')
    expect(dms.length).toBeGreaterThan(0)
    for (const dm of dms) expect(JSON.stringify(dm.blocks)).toMatch(/\*Health\*\\n\d+\/100/)
    expect(dms.some((dm) => JSON.stringify(dm.blocks).includes('• '))).toBe(true)
  })

  it("lists a rep's open deals on Home by health with reasons", async () => {
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.rep), 'application/json')
    await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.rep), 20_000)
    const text = JSON.stringify(t.fake.views.find((v) => v.userId === PEOPLE.rep)?.view.blocks)
    const scores = [...text.matchAll(/health \*(\d+)\/100\*/g)].map((m) => Number(m[1]))
    expect(scores.length).toBeGreaterThan(0)
    expect([...scores].sort((a, b) => a - b)).toEqual(scores)
  })

  async function click(userId: string, actionId: string, value: string) {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      blockActionBody({ userId, actionId, value, responseUrl }),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    return JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)
  }

  it('snoozes a deal for its owner, and refuses someone else', async () => {
    const owner = await t.company.store.db
      .selectFrom('owners')
      .select('owner_id')
      .where('email', '=', t.company.emails.rep)
      .executeTakeFirstOrThrow()
    const deal = await t.company.store.db
      .selectFrom('deals')
      .select('deal_id')
      .where('owner_id', '=', owner.owner_id)
      .where('outcome', '=', 'open')
      .limit(1)
      .executeTakeFirstOrThrow()
    const refused = await click(PEOPLE.otherRep, 'pulse_snooze_7d', deal.deal_id)
    expect(refused).toContain('not one you can see')
    expect(await t.company.store.db.selectFrom('slack_snoozes').selectAll().where('deal_id', '=', deal.deal_id).execute()).toHaveLength(0)
    const ok = await click(PEOPLE.rep, 'pulse_snooze_7d', deal.deal_id)
    expect(ok).toContain('Snoozed')
    const row = await t.company.store.db
      .selectFrom('slack_snoozes')
      .selectAll()
      .where('deal_id', '=', deal.deal_id)
      .executeTakeFirstOrThrow()
    expect(row.until_date).toBe('2024-07-27')
    const updated = await click(PEOPLE.manager, 'pulse_updated_in_crm', deal.deal_id)
    expect(updated).toContain('updated this deal')
  })

  it('shares a private answer into the channel on request', async () => {
    const text = await click(PEOPLE.cro, 'pulse_share_in_channel', JSON.stringify({ t: 'losses', c: 'C0SALES001' }))
    expect(text).toContain('delete_original')
    const shared = t.fake.messages.filter((m) => m.channel === 'C0SALES001')
    expect(shared).toHaveLength(1)
    expect(shared[0]?.files).toHaveLength(1)
    expect(JSON.stringify(shared[0]?.blocks)).toContain(`Shared by <@${PEOPLE.cro}>`)
  })

  it('names whose deals a rep\'s or manager\'s shared answer covers, instead of telling the channel they are "your" deals', async () => {
    for (const [who, label, channel] of [
      [PEOPLE.rep, `deals of ${t.company.emails.rep}`, 'C0SHAREREP1'],
      [PEOPLE.manager, `team of ${t.company.emails.manager}`, 'C0SHAREMGR1'],
    ] as const) {
      await click(who, 'pulse_share_in_channel', JSON.stringify({ t: 'losses', c: channel }))
      const shared = t.fake.messages.filter((m) => m.channel === channel)
      expect(shared).toHaveLength(1)
      const text = JSON.stringify(shared[0]?.blocks)
      expect(text).toContain(`Losses by stage: ${label}`)
      expect(text).not.toContain('your deals')
      expect(text).not.toContain('your team')
    }
  })

  it('/pulse deal shows the score and reasons', async () => {
    const deal = await t.company.store.db.selectFrom('deal_scores').select('deal_id').limit(1).executeTakeFirstOrThrow()
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ userId: PEOPLE.cro, text: `deal ${deal.deal_id}`, responseUrl }),
      'application/x-www-form-urlencoded',
    )
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    const text = JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)
    expect(text).toMatch(/\d+\/100/)
    expect(text).toContain('• ')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../src/domain/dates.js'
import { planStalledDealDms } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import { blockActionBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { AS_OF, PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// "Snooze 7 days" is pressed on the DM of a stall episode, so that episode's DM is already out:
// the snooze must still lead somewhere, a reminder once it ends if the deal is still stalled.

// A deal made to stall is dated as created two months earlier, so that its month-old last activity
// counts (idle days never count from before a deal was created).
const createdBefore = { created_date: addDays(AS_OF, -60), created_month: addDays(AS_OF, -60).slice(0, 7) }

describe('Snooze 7 days on a stalled-deal DM', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(1500) })
  }, 120_000)
  afterAll(async () => {
    await t.close()
  })

  async function snooze(dealId: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = blockActionBody({ userId: PEOPLE.rep, actionId: 'pulse_snooze_7d', value: dealId, responseUrl, channelId: 'D0REP00001' })
    expect((await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
    return JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)
  }

  it('keeps the deal quiet for the week, then reminds its owner once if it is still stalled', async () => {
    const ctx = t.slack.ctx
    const { plan } = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    const target = plan.alerts.find((a) => a.ownerEmail === t.company.emails.rep)?.dealId
    expect(target, 'a stalled deal of the rep').toBeDefined()
    const dealId = target as string
    expect(await snooze(dealId)).toContain(`Snoozed until ${addDays(AS_OF, 7)}`)

    for (const day of [1, 3, 6]) {
      const quiet = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, day) })
      expect(
        quiet.alerts.map((a) => a.dealId),
        `day ${day} of the snooze`,
      ).not.toContain(dealId)
    }
    const after = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 7) })
    const reminder = after.alerts.find((a) => a.dealId === dealId)
    expect(reminder?.ownerEmail).toBe(t.company.emails.rep)
    const next = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 8) })
    expect(next.alerts.map((a) => a.dealId)).not.toContain(dealId)
    const rows = await ctx.store.db.selectFrom('slack_outbox').select('recipient_email').where('deal_id', '=', dealId).execute()
    expect(rows.map((r) => r.recipient_email)).toEqual([t.company.emails.rep, t.company.emails.rep])
  })

  it('does not keep quiet a snoozed deal handed to another owner: the new owner gets its DM the next day', async () => {
    const ctx = t.slack.ctx
    const db = ctx.store.db
    const owner = async (email: string) =>
      (await db.selectFrom('owners').select('owner_id').where('email', '=', email).executeTakeFirstOrThrow()).owner_id
    // One more of the rep's open deals stalls: $90k, a month without activity.
    const episodes = (await db.selectFrom('slack_stall_episodes').select('deal_id').execute()).map((r) => r.deal_id)
    const { deal_id: id } = await db
      .selectFrom('deals')
      .select('deal_id')
      .where('owner_id', '=', await owner(t.company.emails.rep))
      .where('outcome', '=', 'open')
      .where('deal_id', 'not in', episodes)
      .orderBy('deal_id')
      .executeTakeFirstOrThrow()
    await db
      .updateTable('deals')
      .set({ amount: 90_000, last_activity_date: addDays(AS_OF, -30), ...createdBefore })
      .where('deal_id', '=', id)
      .execute()
    const { plan } = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    expect(plan.alerts.map((a) => a.dealId)).toContain(id)
    expect(await snooze(id)).toContain(`Snoozed until ${addDays(AS_OF, 7)}`)

    const otherRep = await owner(t.company.emails.otherRep)
    await db.updateTable('deals').set({ owner_id: otherRep, owner_email: t.company.emails.otherRep }).where('deal_id', '=', id).execute()
    const next = await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 1) })
    expect(next.alerts.filter((a) => a.dealId === id)).toEqual([expect.objectContaining({ ownerEmail: t.company.emails.otherRep })])
    expect((await planStalledDealDms(ctx, { asOf: addDays(AS_OF, 2) })).alerts.map((a) => a.dealId)).not.toContain(id)
  })

  /** One more of the rep's open deals stalls ($90k, a month without activity), is DMed, and the rep snoozes it. */
  async function snoozedStall(): Promise<string> {
    const ctx = t.slack.ctx
    const db = ctx.store.db
    const { owner_id: rep } = await db
      .selectFrom('owners')
      .select('owner_id')
      .where('email', '=', t.company.emails.rep)
      .executeTakeFirstOrThrow()
    const episodes = (await db.selectFrom('slack_stall_episodes').select('deal_id').execute()).map((r) => r.deal_id)
    const { deal_id: id } = await db
      .selectFrom('deals')
      .select('deal_id')
      .where('owner_id', '=', rep)
      .where('outcome', '=', 'open')
      .where('deal_id', 'not in', episodes)
      .orderBy('deal_id')
      .executeTakeFirstOrThrow()
    await db
      .updateTable('deals')
      .set({ amount: 90_000, last_activity_date: addDays(AS_OF, -30), owner_email: t.company.emails.rep, ...createdBefore })
      .where('deal_id', '=', id)
      .execute()
    const { plan } = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    expect(plan.alerts.map((a) => a.dealId)).toContain(id)
    expect(await snooze(id)).toContain(`Snoozed until ${addDays(AS_OF, 7)}`)
    return id
  }

  it('does not keep quiet a snoozed deal handed to another person under the same owner id (a team id in a CSV): they get its DM the next day', async () => {
    const id = await snoozedStall()
    await t.slack.ctx.store.db.updateTable('deals').set({ owner_email: t.company.emails.otherRep }).where('deal_id', '=', id).execute()
    const next = await planStalledDealDms(t.slack.ctx, { asOf: addDays(AS_OF, 1) })
    expect(next.alerts.filter((a) => a.dealId === id)).toEqual([expect.objectContaining({ ownerEmail: t.company.emails.otherRep })])
  })

  it('keeps quiet a snoozed deal whose owner id changed while its owner (by email, as DMs go) did not', async () => {
    const id = await snoozedStall()
    await t.slack.ctx.store.db.updateTable('deals').set({ owner_id: 'rep_renumbered' }).where('deal_id', '=', id).execute()
    for (const day of [1, 6]) {
      const quiet = await planStalledDealDms(t.slack.ctx, { asOf: addDays(AS_OF, day) })
      expect(
        quiet.alerts.map((a) => a.dealId),
        `day ${day} of the snooze`,
      ).not.toContain(id)
    }
    const after = await planStalledDealDms(t.slack.ctx, { asOf: addDays(AS_OF, 7) })
    expect(after.alerts.filter((a) => a.dealId === id)).toEqual([expect.objectContaining({ ownerEmail: t.company.emails.rep })])
  })
})

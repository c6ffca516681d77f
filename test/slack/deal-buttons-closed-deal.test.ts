import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blockActionBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// A stalled-deal DM stays in the owner's DMs after the deal is won or lost; its buttons can
// still be pressed days later.

const FORM = 'application/x-www-form-urlencoded'

describe('Snooze and Updated in CRM on a DM whose deal has closed since', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(400) })
  })
  afterAll(async () => {
    await t.close()
  })

  async function dealOfRep(outcome: 'won' | 'lost' | 'open'): Promise<string> {
    const row = await t.company.store.db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select('deals.deal_id')
      .where('owners.email', '=', t.company.emails.rep)
      .where('deals.outcome', '=', outcome)
      .orderBy('deals.deal_id')
      .limit(1)
      .executeTakeFirstOrThrow()
    return row.deal_id
  }

  async function click(actionId: string, dealId: string, userId: string = PEOPLE.rep): Promise<Record<string, unknown>> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const blocks = [
      {
        type: 'section',
        block_id: 'aB1',
        text: { type: 'mrkdwn', text: `:hourglass: *${dealId}* has had no activity for *20 days*.`, verbatim: false },
      },
      {
        type: 'actions',
        block_id: 'aB2',
        elements: [
          { type: 'button', action_id: 'pulse_snooze_7d', value: dealId, text: { type: 'plain_text', text: 'Snooze 7 days', emoji: true } },
          {
            type: 'button',
            action_id: 'pulse_updated_in_crm',
            value: dealId,
            text: { type: 'plain_text', text: 'Updated in CRM', emoji: true },
          },
        ],
      },
    ]
    const body = blockActionBody({ userId, actionId, value: dealId, responseUrl, channelId: 'D0REP00001', blocks })
    expect((await postSigned(t.url, SIGNING_SECRET, body, FORM)).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
    return t.fake.responses.find((r) => r.id === id)?.body as Record<string, unknown>
  }

  for (const [actionId, outcome] of [
    ['pulse_snooze_7d', 'won'],
    ['pulse_updated_in_crm', 'lost'],
  ] as const) {
    it(`${actionId} on a ${outcome} deal says it closed, removes the buttons, and stores nothing`, async () => {
      const dealId = await dealOfRep(outcome)
      const answer = await click(actionId, dealId)
      const text = JSON.stringify(answer)
      expect(text).toContain(`closed (${outcome})`)
      expect(text).not.toMatch(/Snoozed|marked as updated/)
      expect(answer.replace_original).toBe(true)
      expect((answer.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false)
      expect(await t.company.store.db.selectFrom('slack_snoozes').selectAll().where('deal_id', '=', dealId).execute()).toHaveLength(0)
    })
  }

  it('still snoozes an open deal for its owner', async () => {
    const dealId = await dealOfRep('open')
    expect(JSON.stringify(await click('pulse_snooze_7d', dealId))).toContain('Snoozed')
    expect(await t.company.store.db.selectFrom('slack_snoozes').selectAll().where('deal_id', '=', dealId).execute()).toHaveLength(1)
  })

  // A sync archives a deal deleted (or archived) in the CRM; its DM stays in the owner's DMs.
  it('on a deal since deleted in the CRM tells its owner so, removes the buttons, and stores nothing', async () => {
    // (The deal was open when its DM went out; the small sample's rep has one open deal, used above.)
    const { deal_id: dealId } = await t.company.store.db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select('deals.deal_id')
      .where('owners.email', '=', t.company.emails.rep)
      .orderBy('deals.deal_id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    await t.company.store.db.updateTable('deals').set({ archived: 1 }).where('deal_id', '=', dealId).execute()
    for (const actionId of ['pulse_snooze_7d', 'pulse_updated_in_crm']) {
      const answer = await click(actionId, dealId)
      expect(String(answer.text)).toMatch(/deleted in the CRM/)
      expect(JSON.stringify(answer)).not.toMatch(/not one you can see|Snoozed|marked as updated/)
      expect(answer.replace_original).toBe(true)
      expect((answer.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false)
    }
    expect(await t.company.store.db.selectFrom('slack_snoozes').selectAll().where('deal_id', '=', dealId).execute()).toHaveLength(0)
    // Someone who could not see the deal learns nothing of it, as before.
    const other = await click('pulse_snooze_7d', dealId, PEOPLE.otherRep)
    expect(String(other.text)).toMatch(/not one you can see/)
    expect(other.replace_original).toBe(false)
  })

  // Slack sends a button's value as text; a hand-made payload may send a number.
  it('answers a click whose button value is a number instead of failing', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const form = new URLSearchParams(blockActionBody({ userId: PEOPLE.rep, actionId: 'pulse_snooze_7d', value: 'x', responseUrl }))
    const payload = JSON.parse(form.get('payload') as string) as { actions: Array<{ value: unknown }> }
    ;(payload.actions[0] as { value: unknown }).value = 424242
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
    expect((await postSigned(t.url, SIGNING_SECRET, body, FORM)).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
    const answer = t.fake.responses.find((r) => r.id === id)?.body as Record<string, unknown>
    expect(String(answer.text)).toMatch(/not one you can see|no longer in Sales Pulse/)
    expect(JSON.stringify(answer)).not.toMatch(/went wrong/)
  })
})

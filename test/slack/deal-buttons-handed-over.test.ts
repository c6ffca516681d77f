import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REFUSAL_DEAL } from '../../src/slack/access/authorize.js'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import type { FakeMessage } from '../fakes/slack-fake.js'
import { clickDealButton, PEOPLE, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

// A stalled-deal DM stays in its owner's DMs after the CRM hands the deal to another rep; its
// buttons can still be pressed days later.

describe('Snooze and Updated in CRM on a DM whose deal has gone to another owner since', () => {
  let t: SlackTestApp
  let dm: FakeMessage
  let dealId: string
  beforeAll(async () => {
    t = await startSlackTestApp()
    await sendStalledDealDms(t.slack.ctx, { perChannelIntervalMs: 0 })
    const repDm = t.fake.messages.find((m) => m.channel === `D${PEOPLE.rep.slice(1)}`)
    if (!repDm) throw new Error('the rep got no stalled-deal DM')
    dm = repDm
    const buttons = (dm.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>).flatMap((b) => b.elements ?? [])
    dealId = buttons.find((b) => b.action_id === 'pulse_snooze_7d')?.value as string
    // The CRM hands the deal to a rep on another team.
    const other = await t.company.store.db
      .selectFrom('deals')
      .select(['owner_id', 'owner_email'])
      .where('owner_email', '=', t.company.emails.otherRep)
      .limit(1)
      .executeTakeFirstOrThrow()
    await t.company.store.db
      .updateTable('deals')
      .set({ owner_id: other.owner_id, owner_email: other.owner_email })
      .where('deal_id', '=', dealId)
      .execute()
  })
  afterAll(async () => {
    await t.close()
  })

  const click = (actionId: string, userId: string) => clickDealButton(t, dm, dealId, actionId, userId)

  const snoozes = () => t.company.store.db.selectFrom('slack_snoozes').selectAll().where('deal_id', '=', dealId).execute()

  for (const actionId of ['pulse_snooze_7d', 'pulse_updated_in_crm']) {
    it(`${actionId} by the owner the DM went to says the deal has another owner, removes the buttons, and stores nothing`, async () => {
      const answer = await click(actionId, PEOPLE.rep)
      expect(String(answer.text)).toMatch(/gone to another owner/)
      expect(JSON.stringify(answer)).not.toMatch(/not one you can see|Snoozed|marked as updated/)
      expect(answer.replace_original).toBe(true)
      const blocks = answer.blocks as Array<{ type: string }>
      expect(blocks.some((b) => b.type === 'actions')).toBe(false)
      expect(JSON.stringify(blocks)).toContain('gone to another owner')
      expect(await snoozes()).toHaveLength(0)
    })
  }

  it('tells someone never DMed about the deal only that it is not one they can see, and keeps the buttons', async () => {
    const answer = await click('pulse_snooze_7d', PEOPLE.manager)
    expect(answer.text).toBe(REFUSAL_DEAL)
    expect(answer.replace_original).toBe(false)
    expect(await snoozes()).toHaveLength(0)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planStalledDealDms } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import type { FakeMessage } from '../fakes/slack-fake.js'
import { AS_OF, clickDealButton, PEOPLE, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// A manager who owned a deal was DMed about it as its owner; the CRM then handed it to a rep on
// their own team. The manager still may see the deal, but the DM's buttons speak for an owner
// they no longer are: pressing one must not quiet the new owner's alerts.

describe("Snooze and Updated in CRM pressed by a former owner who still sees the deal (a manager who handed it to their team's rep)", () => {
  let t: SlackTestApp
  let dm: FakeMessage
  let dealId: string
  let repEmail: string
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(600) })
    const db = t.company.store.db
    // A stalled deal of the rep on the manager's team, owned by the manager when the DMs go out.
    const plan = await planStalledDealDms(t.slack.ctx, { asOf: AS_OF, dryRun: true })
    const team = t.company.roster.managers.get(t.company.emails.manager) ?? new Set<string>()
    const ofRep = plan.alerts.find((a) => a.ownerEmail !== null && team.has(a.ownerEmail))
    if (!ofRep) throw new Error("no rep on the manager's team has a stalled deal")
    repEmail = ofRep.ownerEmail as string
    dealId = ofRep.dealId
    const rep = await db.selectFrom('deals').select(['owner_id', 'owner_email']).where('deal_id', '=', dealId).executeTakeFirstOrThrow()
    await db
      .updateTable('deals')
      .set({ owner_id: 'mgr_owner', owner_email: t.company.emails.manager })
      .where('deal_id', '=', dealId)
      .execute()
    await sendStalledDealDms(t.slack.ctx, { perChannelIntervalMs: 0 })
    const managerDm = t.fake.messages.find(
      (m) => m.channel === `D${PEOPLE.manager.slice(1)}` && JSON.stringify(m.blocks).includes(`"value":"${dealId}"`),
    )
    if (!managerDm) throw new Error('the manager got no DM about the deal they owned')
    dm = managerDm
    // The CRM hands the deal (back) to the rep on the manager's team.
    await db.updateTable('deals').set({ owner_id: rep.owner_id, owner_email: rep.owner_email }).where('deal_id', '=', dealId).execute()
  })
  afterAll(async () => {
    await t.close()
  })

  const click = (actionId: string, userId: string) => clickDealButton(t, dm, dealId, actionId, userId)

  const snoozes = () => t.company.store.db.selectFrom('slack_snoozes').selectAll().where('deal_id', '=', dealId).execute()

  for (const actionId of ['pulse_snooze_7d', 'pulse_updated_in_crm']) {
    it(`${actionId} says the deal has another owner, removes the buttons, and keeps the new owner's alerts`, async () => {
      const answer = await click(actionId, PEOPLE.manager)
      expect(String(answer.text)).toMatch(/gone to another owner/)
      expect(JSON.stringify(answer)).not.toMatch(/Snoozed|marked as updated/)
      expect(answer.replace_original).toBe(true)
      expect((answer.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false)
      expect(await snoozes()).toHaveLength(0)
      // The rep, its owner now, is DMed about it on the next run.
      const next = await planStalledDealDms(t.slack.ctx, { asOf: AS_OF, dryRun: true })
      expect(next.alerts.find((a) => a.dealId === dealId)?.ownerEmail).toBe(repEmail)
    })
  }
})

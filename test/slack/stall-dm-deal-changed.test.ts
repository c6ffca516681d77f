import { afterEach, describe, expect, it } from 'vitest'
import { addDays } from '../../src/domain/dates.js'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { planStalledDealDms } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import { drainOutbox, STALL_OVER } from '../../src/slack/outbox/drain-outbox.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { AS_OF, outboxContext, sampleCompany } from './slack-test-app.js'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

describe('a stalled-deal DM still waiting when its deal changed', () => {
  it('is not sent once the deal went to another owner, closed, was deleted or had activity; a change of case alone sends it', async () => {
    clearSlackUserMemory()
    clearDmMemory()
    const company = await sampleCompany()
    const fake = await new SlackFake({ users: company.users }).start()
    open.push({ close: () => fake.stop() }, { close: () => company.store.close() })
    const ctx = outboxContext(company.store, fake, { PULSE_AS_OF: AS_OF, PULSE_ROSTER: company.rosterPath }, company.roster)
    const db = company.store.db
    await planStalledDealDms(ctx, { asOf: AS_OF })
    // Slack was down when they were planned; an import or sync meanwhile changes four of the deals.
    const dms = await db
      .selectFrom('slack_outbox')
      .select(['outbox_id', 'deal_id', 'recipient_email'])
      .where('kind', '=', 'stall_dm')
      .where('recipient_email', 'is not', null)
      .where('recipient_email', '!=', company.emails.otherRep)
      .orderBy('deal_id')
      .execute()
    expect(dms.length).toBeGreaterThan(6)
    const [handedOver, won, deleted, recased, active, activeLongAgo] = dms.map((r) => r.deal_id as string)
    const other = await db.selectFrom('owners').select('owner_id').where('email', '=', company.emails.otherRep).executeTakeFirstOrThrow()
    await db
      .updateTable('deals')
      .set({ owner_id: other.owner_id, owner_email: company.emails.otherRep })
      .where('deal_id', '=', handedOver as string)
      .execute()
    await db
      .updateTable('deals')
      .set({ outcome: 'won', closed_date: AS_OF })
      .where('deal_id', '=', won as string)
      .execute()
    await db
      .updateTable('deals')
      .set({ archived: 1 })
      .where('deal_id', '=', deleted as string)
      .execute()
    await db
      .updateTable('deals')
      .set({ owner_email: String(dms[3]?.recipient_email).toUpperCase() })
      .where('deal_id', '=', recased as string)
      .execute()

    // A call logged today ends the stall; one logged but still before the idle limit does not.
    await db
      .updateTable('deals')
      .set({ last_activity_date: AS_OF })
      .where('deal_id', '=', active as string)
      .execute()
    await db
      .updateTable('deals')
      .set({ last_activity_date: addDays(AS_OF, -ctx.config.idleDays) })
      .where('deal_id', '=', activeLongAgo as string)
      .execute()

    const result = await drainOutbox(ctx, { kinds: ['stall_dm'], perChannelIntervalMs: 0 })
    // Counted as stalls that ended, not as owners missing an email or a Slack user.
    expect(result.skippedFor).toMatchObject({ stallEnded: 4, notInSlack: 0 })

    const delivered = new Set(fake.messages.map((m) => Number(m.metadata?.event_payload?.outbox_id)))
    const outboxIdOf = (dealId: string | undefined) => dms.find((r) => r.deal_id === dealId)?.outbox_id
    for (const dealId of [handedOver, won, deleted, active]) expect(delivered.has(outboxIdOf(dealId) as number), dealId).toBe(false)
    for (const dealId of [recased, activeLongAgo]) expect(delivered.has(outboxIdOf(dealId) as number), dealId).toBe(true)
    expect(dms.filter((r) => delivered.has(r.outbox_id)).length).toBe(dms.length - 4)
    const settled = await db
      .selectFrom('slack_outbox')
      .select(['deal_id', 'status', 'last_error'])
      .where('deal_id', 'in', [handedOver, won, deleted, recased, active] as string[])
      .where('kind', '=', 'stall_dm')
      .orderBy('deal_id')
      .execute()
    expect(settled).toEqual(
      [
        { deal_id: handedOver, status: 'skipped', last_error: STALL_OVER },
        { deal_id: won, status: 'skipped', last_error: STALL_OVER },
        { deal_id: deleted, status: 'skipped', last_error: STALL_OVER },
        { deal_id: recased, status: 'sent', last_error: null },
        { deal_id: active, status: 'skipped', last_error: STALL_OVER },
      ].sort((a, b) => ((a.deal_id as string) < (b.deal_id as string) ? -1 : 1)),
    )
  })
})

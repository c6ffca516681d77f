import { afterEach, describe, expect, it } from 'vitest'
import { snoozeDeal } from '../../src/db/slack-snoozes.js'
import { endOpenStallEpisodeOfDeal } from '../../src/db/slack-stall-episodes.js'
import { addDays } from '../../src/domain/dates.js'
import { planStalledDealDms } from '../../src/slack/alerts/plan-stalled-deal-dms.js'
import { drainOutbox, STALL_OVER } from '../../src/slack/outbox/drain-outbox.js'
import type { SlackFake } from '../fakes/slack-fake.js'
import { AS_OF } from './slack-test-app.js'
import { stallDmSetup } from './stall-dm-setup.js'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

const setup = () => stallDmSetup(open)

/** The "Days idle" and "Amount" fields of the DM the fake received about `dealId`. */
function dmFigures(fake: SlackFake, dealId: string): { daysIdle: string; amount: string; text: string } | undefined {
  const dm = fake.messages.find((m) => JSON.stringify(m.blocks).includes(`Deal ${dealId}.`))
  if (!dm) return undefined
  const blocks = JSON.stringify(dm.blocks)
  return {
    daysIdle: /\*Days idle\*\\n([\d,]+)/.exec(blocks)?.[1] ?? '',
    amount: /\*Amount\*\\n([^"]+)"/.exec(blocks)?.[1] ?? '',
    text: dm.text ?? '',
  }
}

describe('a stalled-deal DM delivered days after it was planned', () => {
  it('shows the days idle and amount of the day it is sent, not of the day it was planned', async () => {
    const { company, fake, ctx, setAsOf } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    const [first, second] = plan.alerts.filter((a) => a.ownerEmail !== null)
    expect(second).toBeDefined()
    const a = first as NonNullable<typeof first>
    const b = second as NonNullable<typeof second>
    // Slack was down for three days; meanwhile a sync raised one deal's amount.
    await company.store.db.updateTable('deals').set({ amount: 123_456 }).where('deal_id', '=', b.dealId).execute()
    setAsOf(addDays(AS_OF, 3))
    await drainOutbox(ctx, { kinds: ['stall_dm'], perChannelIntervalMs: 0 })
    expect(dmFigures(fake, a.dealId)?.daysIdle).toBe(String(a.daysIdle + 3))
    expect(dmFigures(fake, a.dealId)?.text).toContain(`idle ${a.daysIdle + 3} days`)
    expect(dmFigures(fake, b.dealId)?.amount).toBe('$123k')
    expect(dmFigures(fake, b.dealId)?.daysIdle).toBe(String(b.daysIdle + 3))
  })

  it('is sent as planned when delivered the same day with nothing changed', async () => {
    const { fake, ctx } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    const a = plan.alerts.find((x) => x.ownerEmail !== null) as (typeof plan.alerts)[number]
    await drainOutbox(ctx, { kinds: ['stall_dm'], perChannelIntervalMs: 0 })
    expect(dmFigures(fake, a.dealId)?.daysIdle).toBe(String(a.daysIdle))
  })

  it('is not sent once its deal fell below the alert amount, was snoozed or was marked updated in the CRM meanwhile', async () => {
    const { company, fake, ctx } = await setup()
    const plan = await planStalledDealDms(ctx, { asOf: AS_OF })
    const ids = plan.alerts.filter((x) => x.ownerEmail !== null).map((x) => x.dealId)
    expect(ids.length).toBeGreaterThan(4)
    const [smaller, snoozed, updated, untouched] = ids as [string, string, string, string]
    const db = company.store.db
    await db.updateTable('deals').set({ amount: 1_000 }).where('deal_id', '=', smaller).execute()
    await snoozeDeal(db, { dealId: snoozed, untilDate: addDays(AS_OF, 7), by: 'U1', now: new Date() })
    // What the "Updated in CRM" button does to the deal's stall episode.
    await endOpenStallEpisodeOfDeal(db, updated, { endedOn: AS_OF, reason: 'updated' })
    const result = await drainOutbox(ctx, { kinds: ['stall_dm'], perChannelIntervalMs: 0 })
    for (const dealId of [smaller, snoozed, updated]) expect(dmFigures(fake, dealId), dealId).toBeUndefined()
    expect(dmFigures(fake, untouched)).toBeDefined()
    expect(result.skipped).toBeGreaterThanOrEqual(3)
    const settled = await db
      .selectFrom('slack_outbox')
      .select(['deal_id', 'status', 'last_error'])
      .where('deal_id', 'in', [smaller, snoozed, updated])
      .execute()
    expect(settled).toHaveLength(3)
    for (const r of settled) expect(r).toMatchObject({ status: 'skipped', last_error: STALL_OVER })
  })
})

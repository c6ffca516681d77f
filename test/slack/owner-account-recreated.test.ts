import { afterEach, describe, expect, it } from 'vitest'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { findCachedSlackUser, saveSlackUserLookup } from '../../src/db/slack-user-cache.js'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import { stallDmSetup } from './stall-dm-setup.js'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

describe("an owner's Slack account deactivated and made again for the same email", () => {
  it('sends their DMs to the new account while the old id is still remembered, instead of failing them for good', async () => {
    const { fake, ctx, company } = await stallDmSetup(open, {
      // The rep's first account is deactivated; a new one has their email.
      users: (c) => [
        { id: 'UREPNEW001', email: c.emails.rep },
        ...c.users.map((u) => (u.email === c.emails.rep ? { ...u, deleted: true } : u)),
      ],
    })
    const rep = company.emails.rep
    const old = company.users.find((u) => u.email === rep)?.id as string
    // Looked up yesterday, before the account was deactivated: remembered for a week.
    await saveSlackUserLookup(company.store.db, rep, old, new Date(Date.now() - 86_400_000))
    const { plan, drain } = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    const repDeals = plan.alerts.filter((a) => a.ownerEmail === rep)
    expect(repDeals.length).toBeGreaterThan(0)
    expect(drain).toMatchObject({ failed: 0, sent: plan.alerts.length })
    expect(fake.messages.filter((m) => m.channel === 'DREPNEW001')).toHaveLength(repDeals.length)
    expect(fake.messages.filter((m) => m.channel === `D${old.slice(1)}`)).toEqual([])
    expect((await findCachedSlackUser(company.store.db, rep))?.slackUserId).toBe('UREPNEW001')
    expect((await countOutboxByStatus(company.store.db)).failed).toBe(0)
  })

  it('skips the DMs as of an owner not in Slack (asked again the next day) when the email finds no other account', async () => {
    const { ctx, company } = await stallDmSetup(open, {
      users: (c) => c.users.map((u) => (u.email === c.emails.rep ? { ...u, deleted: true } : u)),
    })
    const rep = company.emails.rep
    const old = company.users.find((u) => u.email === rep)?.id as string
    await saveSlackUserLookup(company.store.db, rep, old, new Date(Date.now() - 86_400_000))
    const { plan, drain } = await sendStalledDealDms(ctx, { perChannelIntervalMs: 0 })
    const repDeals = plan.alerts.filter((a) => a.ownerEmail === rep)
    expect(repDeals.length).toBeGreaterThan(1)
    expect(drain).toMatchObject({ failed: 0, skipped: repDeals.length, sent: plan.alerts.length - repDeals.length })
    expect((await findCachedSlackUser(company.store.db, rep))?.slackUserId).toBeNull()
  })
})

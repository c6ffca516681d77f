import { afterEach, describe, expect, it } from 'vitest'
import type { Roster } from '../../src/slack/access/load-roster.js'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { planManagerDigests } from '../../src/slack/alerts/plan-manager-digests.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import { drainOutbox, TEAM_CHANGED } from '../../src/slack/outbox/drain-outbox.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { AS_OF, outboxContext, sampleCompany } from './slack-test-app.js'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

/** A sample company whose roster can be edited between planning the digests and sending them. */
async function setup() {
  clearSlackUserMemory()
  clearDmMemory()
  const company = await sampleCompany()
  const fake = await new SlackFake({ users: company.users }).start()
  open.push({ close: () => fake.stop() }, { close: () => company.store.close() })
  let roster: Roster = company.roster
  const ctx = outboxContext(company.store, fake, { PULSE_AS_OF: AS_OF, PULSE_ROSTER: company.rosterPath }, () => roster)
  const digestsTo = (email: string) => {
    const id = company.users.find((u) => u.email === email)?.id as string
    const dms = new Set(
      fake
        .callsOf('conversations.open')
        .filter((c) => c.params.users === id)
        .map(() => `D${id.slice(1)}`),
    )
    return fake.messages.filter((m) => dms.has(m.channel) && (m.text ?? '').startsWith('Your team has'))
  }
  const digestRow = (email: string) =>
    company.store.db
      .selectFrom('slack_outbox')
      .select(['status', 'last_error'])
      .where('kind', '=', 'digest')
      .where('recipient_email', '=', email)
      .executeTakeFirstOrThrow()
  return { company, fake, ctx, digestsTo, digestRow, setRoster: (r: Roster) => (roster = r) }
}

describe("a manager's digest waiting while the roster changes", () => {
  it('is not sent to a manager taken off the roster; the other managers get theirs', async () => {
    const { company, ctx, digestsTo, digestRow, setRoster } = await setup()
    const [other] = [...company.roster.managers.keys()].filter((m) => m !== company.emails.manager)
    expect(await planManagerDigests(ctx, AS_OF)).toBeGreaterThan(1)
    // Slack was down, say, when it was planned; meanwhile the admin takes the manager off the roster.
    const managers = new Map(company.roster.managers)
    managers.delete(company.emails.manager)
    setRoster({ ...company.roster, managers })
    const result = await drainOutbox(ctx, { kinds: ['digest'], perChannelIntervalMs: 0 })
    expect(digestsTo(company.emails.manager)).toEqual([])
    expect(await digestRow(company.emails.manager)).toEqual({ status: 'skipped', last_error: TEAM_CHANGED })
    expect(result.skipped).toBe(1)
    expect(digestsTo(other as string)).toHaveLength(1)
  })

  it("is not sent once a rep on it has moved to another manager's team", async () => {
    const { company, ctx, digestsTo, digestRow, setRoster } = await setup()
    await planManagerDigests(ctx, AS_OF)
    const team = company.roster.managers.get(company.emails.manager) as ReadonlySet<string>
    const managers = new Map(company.roster.managers)
    managers.set(company.emails.manager, new Set([...team].filter((e) => e !== company.emails.rep)))
    setRoster({ ...company.roster, managers })
    await drainOutbox(ctx, { kinds: ['digest'], perChannelIntervalMs: 0 })
    expect(digestsTo(company.emails.manager)).toEqual([])
    expect((await digestRow(company.emails.manager)).status).toBe('skipped')
  })

  it('is sent when the roster still gives the manager the same team (re-read, listed in another order)', async () => {
    const { company, ctx, digestsTo, digestRow, setRoster } = await setup()
    await planManagerDigests(ctx, AS_OF)
    const managers = new Map([...company.roster.managers].map(([m, team]) => [m, new Set([...team].reverse())] as const))
    setRoster({ ...company.roster, managers })
    await drainOutbox(ctx, { kinds: ['digest'], perChannelIntervalMs: 0 })
    expect(digestsTo(company.emails.manager)).toHaveLength(1)
    expect((await digestRow(company.emails.manager)).status).toBe('sent')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../src/domain/dates.js'
import { createLogger } from '../../src/log/create-logger.js'
import { sendStalledDealDms } from '../../src/slack/alerts/send-stalled-deal-dms.js'
import { blockActionBody, type FakeMessage, postSigned, waitFor } from '../fakes/slack-fake.js'
import { AS_OF, PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// Slack refuses a response URL once it has expired or been used up (404), and in an outage (5xx).
// A click on a stalled-deal DM has then done its work all the same: the DM must still show it,
// and the log must not call the snooze failed.

const FORM = 'application/x-www-form-urlencoded'

describe('Snooze and Updated in CRM when Slack refuses the response URL', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string }> = []
  let dms: FakeMessage[] = []
  beforeAll(async () => {
    t = await startSlackTestApp({
      company: await sampleCompany(1500),
      logger: createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) }),
    })
    await sendStalledDealDms(t.slack.ctx, { perChannelIntervalMs: 0 })
    dms = t.fake.messages.filter((m) => JSON.stringify(m.blocks ?? '').includes('pulse_snooze_7d'))
  }, 120_000)
  afterAll(async () => {
    await t.close()
  })

  /** A DM of `userId`'s, its deal id and buttons as Slack shows them. */
  /** A stalled-deal DM still showing its buttons: `userId`'s (the fake opens U...'s DM as D...), or anyone's. */
  function dmOf(userId?: string): { dm: FakeMessage; dealId: string } {
    const dm = dms.find(
      (m) => (userId === undefined || m.channel === `D${userId.slice(1)}`) && JSON.stringify(m.blocks).includes('pulse_snooze_7d'),
    )
    expect(dm, `a stalled-deal DM of ${userId ?? 'anyone'}`).toBeDefined()
    const dealId = /"action_id":"pulse_snooze_7d"[^\]]*?"value":"([^"]+)"/.exec(JSON.stringify((dm as FakeMessage).blocks))?.[1]
    return { dm: dm as FakeMessage, dealId: dealId as string }
  }

  async function click(userId: string, actionId: string, dm: FakeMessage, dealId: string): Promise<void> {
    const body = blockActionBody({
      userId,
      actionId,
      value: dealId,
      responseUrl: t.fake.responseUrl(),
      channelId: dm.channel,
      blocks: dm.blocks as unknown[],
    }).replace(/1700000000\.000100/g, dm.ts)
    expect((await postSigned(t.url, SIGNING_SECRET, body, FORM)).status).toBe(200)
  }

  // The rep snoozes their own DM; the CRO (who sees every deal) marks another owner's deal updated.
  for (const [actionId, status, who, shown] of [
    ['pulse_snooze_7d', 404, PEOPLE.rep, `Snoozed by <@${PEOPLE.rep}> until ${addDays(AS_OF, 7)}`],
    ['pulse_updated_in_crm', 500, PEOPLE.cro, `<@${PEOPLE.cro}> updated this deal in the CRM`],
  ] as const) {
    it(`${actionId} with the response URL answering ${status}: the DM loses its buttons and shows the note, and nothing is logged as failed`, async () => {
      const { dm, dealId } = dmOf(who === PEOPLE.rep ? PEOPLE.rep : undefined)
      const updates = t.fake.callsOf('chat.update').length
      t.fake.failNextHttp('response_url', status, 2)
      await click(who, actionId, dm, dealId)
      await waitFor(() => t.fake.callsOf('chat.update').length > updates, 10_000, 'chat.update of the DM')
      t.fake.resetFailures()
      const update = t.fake.callsOf('chat.update').at(-1)
      expect(update?.params.channel).toBe(dm.channel)
      expect(update?.params.ts).toBe(dm.ts)
      const shownNow = JSON.stringify(t.fake.messages.find((m) => m.ts === dm.ts)?.blocks)
      expect(shownNow).toContain(shown)
      expect(shownNow).not.toContain('pulse_snooze_7d')
      expect(await t.company.store.db.selectFrom('slack_snoozes').selectAll().where('deal_id', '=', dealId).execute()).toHaveLength(1)
      expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([])
    })
  }

  it('a refusal is still told, privately, when the response URL is refused, and the DM keeps its buttons', async () => {
    const { dm, dealId } = dmOf()
    const ephemerals = t.fake.callsOf('chat.postEphemeral').length
    t.fake.failNextHttp('response_url', 404, 2)
    await click(PEOPLE.stranger, 'pulse_snooze_7d', dm, dealId)
    await waitFor(() => t.fake.callsOf('chat.postEphemeral').length > ephemerals, 10_000, 'chat.postEphemeral')
    t.fake.resetFailures()
    const note = t.fake.callsOf('chat.postEphemeral').at(-1)
    expect(note?.params.user).toBe(PEOPLE.stranger)
    expect(note?.params.channel).toBe(dm.channel)
    expect(String(note?.params.text)).toMatch(/only shows deal data to people on the sales roster/)
    expect(String(note?.params.text)).not.toContain(dealId)
    expect(JSON.stringify(t.fake.messages.find((m) => m.ts === dm.ts)?.blocks)).toContain('pulse_snooze_7d')
  })
})

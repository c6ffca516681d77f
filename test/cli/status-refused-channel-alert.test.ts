import { join } from 'node:path'
import { beforeEach, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import type { OutboxKind } from '../../src/db/schema-slack.js'
import { enqueueOutboxMessage, markOutboxUndelivered } from '../../src/db/slack-outbox.js'
import { describeRefusals, groupRefusals } from '../../src/slack/outbox/describe-refusals.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const DM_FIX = /Messages tab/
const CHANNEL_FIX =
  /invite it with \/invite @Sales Pulse in the channel PULSE_ALERT_CHANNEL names, or set PULSE_ALERT_CHANNEL to another channel/

let db = ''
beforeEach(async () => {
  db = join(tempDir(), 'p.db')
  const csv = [
    'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome',
    'D1,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,5000,Open',
  ].join('\n')
  expect((await runCli('ingest', '--csv', writeTempFile('s.csv', csv), '--db', db)).code).toBe(0)
})

/** Messages Slack refused for good with `code`, as a drain settles them: a channel alert, or a stalled-deal DM. */
async function refused(code: string, messages: ReadonlyArray<{ kind: OutboxKind; channelId: string | null; dealId: string | null }>) {
  const store = await openStore({ path: db })
  try {
    for (const [i, m] of messages.entries()) {
      await enqueueOutboxMessage(store.db, {
        dedupeKey: `${m.kind}:${i}`,
        kind: m.kind,
        dealId: m.dealId,
        recipientEmail: m.kind === 'anomaly' ? null : 'rep@acme.example',
        channelId: m.channelId,
        payload: { text: 'x', blocks: [] },
        now: new Date(),
      })
      const row = await store.db
        .selectFrom('slack_outbox')
        .select('outbox_id')
        .where('dedupe_key', '=', `${m.kind}:${i}`)
        .executeTakeFirstOrThrow()
      await markOutboxUndelivered(store.db, row.outbox_id, 'failed', code)
    }
  } finally {
    await store.close()
  }
}

const ALERT = { kind: 'anomaly', channelId: 'C0GONE0001', dealId: null } as const
const DM = { kind: 'stall_dm', channelId: 'D0REP00001', dealId: 'D1' } as const

it.each(['channel_not_found', 'not_in_channel'])(
  'a channel alert Slack refused for good (%s) is given the channel fix, not the DM one, in text and JSON, with the JSON row as before',
  async (code) => {
    await refused(code, [ALERT])
    const text = await runCli('status', '--db', db)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(
      new RegExp(`${code}, 1 message \\(the win-rate alert\\): Slack would not let the app post in the alert channel`),
    )
    expect(text.stdout).toMatch(CHANNEL_FIX)
    expect(text.stdout).not.toMatch(DM_FIX)
    const json = await runCli('status', '--db', db, '--json')
    const rows = JSON.parse(json.stdout).messages.refused
    expect(rows).toHaveLength(1)
    expect(Object.keys(rows[0]).sort()).toEqual(['count', 'dealIds', 'digests', 'fix', 'reason'])
    expect(rows[0]).toMatchObject({ reason: code, count: 1, dealIds: [], digests: 0 })
    expect(rows[0].fix).toMatch(CHANNEL_FIX)
    expect(rows[0].fix).not.toMatch(DM_FIX)
  },
)

it('a DM refused the same way keeps the DM fix; a DM and an alert refused for one reason get both, each said for its own', async () => {
  await refused('channel_not_found', [DM])
  const dmOnly = JSON.parse((await runCli('status', '--db', db, '--json')).stdout).messages.refused[0].fix
  expect(dmOnly).toMatch(DM_FIX)
  expect(dmOnly).not.toMatch(CHANNEL_FIX)
  await refused('channel_not_found', [ALERT])
  const text = (await runCli('status', '--db', db)).stdout
  expect(text).toMatch(
    /channel_not_found, 2 messages \(deal D1; the win-rate alert\): for the DMs, Slack would not let the app post in its direct messages/,
  )
  expect(text).toMatch(/; for the win-rate alert, Slack would not let the app post in the alert channel/)
})

it("the daily check's notice of a refused alert gives the channel fix", () => {
  const [line] = describeRefusals(groupRefusals([{ reason: 'channel_not_found', kind: 'anomaly', dealId: null }]))
  expect(line).toMatch(CHANNEL_FIX)
  expect(line).not.toMatch(DM_FIX)
})

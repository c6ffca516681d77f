import { afterEach, beforeEach, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { enqueueOutboxMessage, findOutboxByKey, markOutboxSending, OUTBOX_SETTLE_MS } from '../../src/db/slack-outbox.js'
import type { SlackContext } from '../../src/slack/app/slack-context.js'
import { drainOutbox, outboxLeaseMs } from '../../src/slack/outbox/drain-outbox.js'
import { OUTBOX_EVENT_TYPE } from '../../src/slack/outbox/outbox-payload.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { outboxContext } from '../slack/slack-test-app.js'

const CHANNEL = 'C0ALERTS01'
const LEASE_MS = 5000

describeEachDialect('a drain and messages claimed by another instance', (dialect) => {
  let store: Store
  let fake: SlackFake
  let ctx: SlackContext
  beforeEach(async () => {
    store = await dialect.open()
    fake = await new SlackFake({ users: [] }).start()
    ctx = outboxContext(store, fake, { PULSE_OUTBOX_LEASE_MS: String(LEASE_MS) })
  })
  afterEach(async () => {
    await fake.stop()
    await store.close()
  })

  const claimed = async (key: string, msAgo: number) => {
    await enqueueOutboxMessage(store.db, {
      dedupeKey: key,
      kind: 'anomaly',
      dealId: null,
      recipientEmail: null,
      channelId: CHANNEL,
      payload: { text: key },
      now: new Date(),
    })
    const row = await findOutboxByKey(store.db, key)
    // Another instance claimed it `msAgo` ms ago and never said how the send went.
    expect(
      await markOutboxSending(store.db, row!.outbox_id, { channelId: CHANNEL, slackUserId: null, at: new Date(Date.now() - msAgo) }),
    ).toBe(true)
  }

  it('leaves a message within its claim lease to that instance, and takes it over once the lease ran out', async () => {
    await claimed('fresh', 1000)
    await claimed('stale', LEASE_MS + 1000)
    const result = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    const statuses = {
      fresh: (await findOutboxByKey(store.db, 'fresh'))?.status,
      stale: (await findOutboxByKey(store.db, 'stale'))?.status,
    }
    if (dialect.name === 'postgres') {
      // Several instances: the fresh claim may still be in flight elsewhere.
      expect(outboxLeaseMs(store, ctx.config)).toBe(LEASE_MS)
      expect(result).toMatchObject({ sent: 1, heldElsewhere: 1 })
      expect(statuses).toEqual({ fresh: 'sending', stale: 'sent' })
      expect(fake.messages.map((m) => m.text)).toEqual(['stale'])
    } else {
      // One instance by design: every claim left over is its own, from before a crash or kill. A
      // fresh one may still have its post on the way to Slack: it settles first, then is checked
      // (35 s unless PULSE_OUTBOX_LEASE_MS says otherwise, as here).
      expect(outboxLeaseMs(store, ctx.config)).toBe(LEASE_MS)
      expect(outboxLeaseMs(store, { outboxLeaseMs: undefined })).toBe(OUTBOX_SETTLE_MS)
      expect(result).toMatchObject({ sent: 1, heldElsewhere: 1 })
      expect(statuses).toEqual({ fresh: 'sending', stale: 'sent' })
      expect(fake.messages.map((m) => m.text)).toEqual(['stale'])
    }
  })

  it('records a held message found already in Slack as delivered, without sending it again', async () => {
    await claimed('fresh', 1000)
    const row = await findOutboxByKey(store.db, 'fresh')
    // The other instance's post reached Slack; its answer had not come back yet.
    await ctx.pacedClient.chat.postMessage({
      channel: CHANNEL,
      text: 'fresh',
      metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { outbox_id: row!.outbox_id } },
    })
    const result = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(result).toMatchObject({ sent: 0, recovered: 1, heldElsewhere: 0 })
    expect((await findOutboxByKey(store.db, 'fresh'))?.status).toBe('sent')
    expect(fake.messages).toHaveLength(1)
  })
})

import { afterEach, beforeEach, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { countOutboxByStatus, enqueueOutboxMessage } from '../../src/db/slack-outbox.js'
import type { SlackContext } from '../../src/slack/app/slack-context.js'
import { drainOutbox } from '../../src/slack/outbox/drain-outbox.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { outboxContext } from '../slack/slack-test-app.js'

// One `pulse serve` drains the outbox from several places that can overlap: its start-up drain,
// the weekday DM job (every kind) and the daily anomaly check (alerts) at the same tick. On SQLite
// a claim has no lease (one instance by design), so only the process itself can keep two of its
// drains from sending one message twice.
describeEachDialect('drains running at the same time in one process', (dialect) => {
  let store: Store
  let fake: SlackFake
  let ctx: SlackContext
  beforeEach(async () => {
    store = await dialect.open()
    fake = await new SlackFake({ users: [] }).start()
    ctx = outboxContext(store, fake)
  })
  afterEach(async () => {
    await fake.stop()
    await store.close()
  })

  it('send each message once between them', async () => {
    for (let i = 0; i < 12; i++) {
      await enqueueOutboxMessage(store.db, {
        dedupeKey: `anomaly:${i}`,
        kind: 'anomaly',
        dealId: null,
        recipientEmail: null,
        channelId: `C0ALERTS${String(i % 3).padStart(2, '0')}`,
        payload: { text: `alert ${i}` },
        now: new Date(),
      })
    }
    const results = await Promise.all([
      drainOutbox(ctx, { perChannelIntervalMs: 0 }),
      drainOutbox(ctx, { perChannelIntervalMs: 0, kinds: ['anomaly'] }),
      drainOutbox(ctx, { perChannelIntervalMs: 0 }),
    ])
    const texts = fake.messages.map((m) => m.text)
    expect(new Set(texts).size).toBe(12)
    expect(texts).toHaveLength(12)
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(12)
    expect((await countOutboxByStatus(store.db)).sent).toBe(12)
  })
})

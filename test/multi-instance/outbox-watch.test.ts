import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { enqueueOutboxMessage } from '../../src/db/slack-outbox.js'
import { createLogger, silentLogger } from '../../src/log/create-logger.js'
import type { DrainOptions, DrainResult } from '../../src/slack/outbox/drain-outbox.js'
import { type OutboxWatch, startOutboxWatch } from '../../src/slack/outbox/watch-outbox.js'
import { openTestStore } from '../helpers/test-store.js'

const LEASE_MS = 60
const nothing: DrainResult = {
  sent: 0,
  recovered: 0,
  skipped: 0,
  skippedFor: { noEmail: 0, notInSlack: 0, stallEnded: 0, digestReplaced: 0 },
  failed: 0,
  refused: [],
  rateLimited: 0,
  left: 0,
  heldElsewhere: 0,
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('startOutboxWatch', () => {
  let store: Store
  let watch: OutboxWatch | undefined
  let drains: DrainOptions[]
  let answer: () => DrainResult
  let key = 0

  beforeEach(async () => {
    store = await openTestStore()
    drains = []
    answer = () => nothing
  })
  afterEach(async () => {
    await watch?.stop()
    watch = undefined
    await store.close()
  })

  const start = (leaseMs = LEASE_MS) => {
    watch = startOutboxWatch({
      store,
      logger: silentLogger(),
      leaseMs,
      drain: async (options) => {
        drains.push(options)
        return answer()
      },
    })
    return watch
  }
  const enqueue = () =>
    enqueueOutboxMessage(store.db, {
      dedupeKey: `k${key++}`,
      kind: 'stall_dm',
      dealId: null,
      recipientEmail: 'rep@acme.example',
      channelId: null,
      payload: { text: 'hi' },
      now: new Date(),
    })

  it('logs why Slack refused a message of its drain for good and what to do, as no person ran it (a DM takes no /invite)', async () => {
    const lines: string[] = []
    answer = () => ({ ...nothing, failed: 1, refused: [{ reason: 'not_in_channel', kind: 'stall_dm', dealId: 'D-7' }] })
    watch = startOutboxWatch({
      store,
      logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
      leaseMs: 0,
      drain: async () => answer(),
    })
    await watch.drain()
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'Slack refused messages for good; they are not sent again')
    expect(logged?.refused).toEqual([
      "not_in_channel, 1 message (deal D-7): Slack would not let the app post in its direct messages with the recipient (no /invite can add it to a DM): check that the app's Messages tab is on (App Home in the app's Slack settings, as manifest.yml sets it) and that the recipient may use the app.",
    ])
  })

  it('drains once more after the lease when a drain left messages another instance held, however often it is told', async () => {
    const w = start()
    w.afterDrain({ ...nothing, heldElsewhere: 2 })
    w.afterDrain({ ...nothing, heldElsewhere: 1 })
    await sleep(LEASE_MS / 2)
    expect(drains).toHaveLength(0)
    await sleep(LEASE_MS + 600)
    expect(drains).toHaveLength(1)
    // A drain that saw no foreign claims schedules nothing.
    w.afterDrain(nothing)
    await sleep(LEASE_MS + 600)
    expect(drains).toHaveLength(1)
  })

  it('drains when undelivered messages made no progress for a lease, and not again until their number changes', async () => {
    start()
    await sleep(LEASE_MS * 3)
    expect(drains).toHaveLength(0) // empty outbox: nothing to do
    await enqueue()
    await enqueue()
    await sleep(LEASE_MS * 4)
    expect(drains).toHaveLength(1) // the drain moved nothing (a message Slack keeps refusing): not repeated
    await sleep(LEASE_MS * 3)
    expect(drains).toHaveLength(1)
    await enqueue()
    await sleep(LEASE_MS * 4)
    expect(drains).toHaveLength(2)
  })

  it('does not drain while the undelivered messages go down (another instance is delivering them)', async () => {
    start(250)
    for (let i = 0; i < 16; i++) await enqueue()
    for (let i = 0; i < 16; i++) {
      await store.db
        .updateTable('slack_outbox')
        .set({ status: 'sent' })
        .where('dedupe_key', '=', `k${key - 16 + i}`)
        .execute()
      await sleep(60)
    }
    expect(drains).toHaveLength(0)
  })

  it('starts no timer without a lease (SQLite), and the start-up drain runs once', async () => {
    const w = start(0)
    await enqueue()
    await w.drain()
    w.afterDrain({ ...nothing, heldElsewhere: 1 })
    await sleep(100)
    expect(drains).toHaveLength(1)
  })

  it('stops: timers cleared, a running drain told to stop and waited for', async () => {
    let release: () => void = () => {}
    answer = () => nothing
    const w = startOutboxWatch({
      store,
      logger: silentLogger(),
      leaseMs: LEASE_MS,
      drain: async (options) => {
        drains.push(options)
        await new Promise<void>((r) => {
          release = r
        })
        return nothing
      },
    })
    const first = w.drain()
    await sleep(10)
    w.afterDrain({ ...nothing, heldElsewhere: 1 })
    let stopped = false
    const stopping = w.stop().then(() => {
      stopped = true
    })
    await sleep(10)
    expect(drains[0]?.signal?.aborted).toBe(true)
    expect(stopped).toBe(false)
    release()
    await stopping
    await first
    await sleep(LEASE_MS + 600)
    expect(drains).toHaveLength(1)
  })
})

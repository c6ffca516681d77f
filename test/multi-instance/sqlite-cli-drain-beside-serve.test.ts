import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { acquireJobLock, SQLITE_INSTANCE_LOCK } from '../../src/db/acquire-job-lock.js'
import type { Store } from '../../src/db/open-store.js'
import { enqueueOutboxMessage, findOutboxByKey, markOutboxSending, OUTBOX_SETTLE_MS } from '../../src/db/slack-outbox.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { EMPTY_ROSTER } from '../../src/slack/access/load-roster.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackContext } from '../../src/slack/app/create-slack-app.js'
import { drainOutbox } from '../../src/slack/outbox/drain-outbox.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { openTwoInstances } from '../jobs/two-instances.js'

const CHANNEL = 'C0ALERTS01'

// SQLite serves one `pulse serve`, but `pulse alerts` (by hand, or from cron) may drain the same
// outbox while it runs. A message the running serve has claimed and is sending must not be sent
// again by that drain; one claimed before the running serve started (by a process that is gone)
// is taken over once old enough for a post in flight at the kill to have landed.
describe('a pulse alerts drain on a SQLite store that a running pulse serve holds', () => {
  const stores: Store[] = []
  let fake: SlackFake
  beforeEach(async () => {
    fake = await new SlackFake({ users: [] }).start()
  })
  afterEach(async () => {
    await fake.stop()
    for (const s of stores.splice(0).reverse()) await s.close()
  })

  it('leaves the messages the serve is sending to it, and takes over those claimed before the serve started', async () => {
    const [serve, cli] = await openTwoInstances({ name: 'sqlite', open: async () => undefined as never }, stores)
    const servedSince = new Date(Date.now() - 60_000)
    const claim = async (key: string, at: Date) => {
      await enqueueOutboxMessage(serve.db, {
        dedupeKey: key,
        kind: 'anomaly',
        dealId: null,
        recipientEmail: null,
        channelId: CHANNEL,
        payload: { text: key },
        now: new Date(servedSince.getTime() - 120_000),
      })
      const row = await findOutboxByKey(serve.db, key)
      expect(await markOutboxSending(serve.db, row!.outbox_id, { channelId: CHANNEL, slackUserId: null, at })).toBe(true)
    }
    // A serve killed two minutes ago claimed `orphan` and never sent it; the serve running now
    // (started a minute ago) claimed `in-flight` a second ago and is waiting for Slack's answer.
    await claim('orphan', new Date(servedSince.getTime() - 60_000))
    expect(await acquireJobLock(serve.db, SQLITE_INSTANCE_LOCK, 'host:4242', 30_000, new Date())).toBe(true)
    await serve.db
      .updateTable('job_locks')
      .set({ acquired_at: servedSince.toISOString() })
      .where('job', '=', SQLITE_INSTANCE_LOCK)
      .execute()
    await claim('in-flight', new Date(Date.now() - 1000))

    const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl })
    const logger = silentLogger()
    const ctx = createSlackContext({
      store: cli,
      config,
      logger,
      roster: EMPTY_ROSTER,
      services: createPulseServices({ store: cli, config, logger }),
      clock: { now: () => new Date(), asOf: () => '2024-07-20' },
      retries: 0,
    })
    const result = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(fake.messages.map((m) => m.text)).toEqual(['orphan'])
    expect(result).toMatchObject({ sent: 1, heldElsewhere: 1 })
    expect((await findOutboxByKey(cli.db, 'in-flight'))?.status).toBe('sending')

    // Without a running serve (its hold gone, killed), the CLI is the only sender: the claim is
    // taken over once it is old enough for a post in flight at the kill to have landed.
    await serve.db.deleteFrom('job_locks').where('job', '=', SQLITE_INSTANCE_LOCK).execute()
    expect(await drainOutbox(ctx, { perChannelIntervalMs: 0 })).toMatchObject({ sent: 0, heldElsewhere: 1 })
    await serve.db
      .updateTable('slack_outbox')
      .set({ attempt_started_at: new Date(Date.now() - OUTBOX_SETTLE_MS - 1000).toISOString() })
      .where('dedupe_key', '=', 'in-flight')
      .execute()
    expect(await drainOutbox(ctx, { perChannelIntervalMs: 0 })).toMatchObject({ sent: 1 })
    expect(fake.messages.map((m) => m.text)).toEqual(['orphan', 'in-flight'])
  })
})

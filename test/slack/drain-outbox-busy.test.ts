import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { countOutboxByStatus, enqueueOutboxMessage } from '../../src/db/slack-outbox.js'
import { drainOutbox } from '../../src/slack/outbox/drain-outbox.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { watchEventLoop } from '../helpers/watch-event-loop.js'
import { outboxContext } from './slack-test-app.js'

let store: Store | undefined
let fake: SlackFake | undefined
afterEach(async () => {
  await fake?.stop()
  await store?.close()
})

// Another process writing to the SQLite file (a large `pulse ingest`) holds its write lock for
// as long as the import runs; a drain of the outbox meanwhile must not stop the whole app.
it('a drain while another process holds the SQLite file keeps the app responsive and sends every message once the file is free', async () => {
  const path = join(tempDir('pulse-drain-busy-'), 'pulse.db')
  store = await openStore({ path })
  fake = await new SlackFake({ users: [] }).start()
  const ctx = outboxContext(store, fake)
  for (let i = 0; i < 3; i++) {
    await enqueueOutboxMessage(store.db, {
      dedupeKey: `anomaly:${i}`,
      kind: 'anomaly',
      dealId: null,
      recipientEmail: null,
      channelId: `C0ALERTS0${i}`,
      payload: { text: `alert ${i}` },
      now: new Date(),
    })
  }
  const other = new SqliteDatabase(path)
  other.exec('BEGIN IMMEDIATE')
  const loop = watchEventLoop()
  const release = setTimeout(() => other.exec('ROLLBACK'), 1500)
  try {
    const result = await drainOutbox(ctx, { perChannelIntervalMs: 0 })
    expect(result).toMatchObject({ sent: 3, left: 0 })
  } finally {
    loop.stop()
    clearTimeout(release)
    if (other.inTransaction) other.exec('ROLLBACK')
    other.close()
  }
  expect(loop.longest()).toBeLessThan(2500) // far below the 5 s busy timeout a blocking wait would take
  expect(fake.messages.map((m) => m.text).sort()).toEqual(['alert 0', 'alert 1', 'alert 2'])
  expect(await countOutboxByStatus(store.db)).toMatchObject({ sent: 3, pending: 0, sending: 0 })
})

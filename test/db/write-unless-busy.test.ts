import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { findCachedSlackUser, saveSlackUserLookup } from '../../src/db/slack-user-cache.js'
import { writeUnlessBusy } from '../../src/db/write-unless-busy.js'
import { tempDir } from '../helpers/test-store.js'

describe('writeUnlessBusy', () => {
  let store: Store | undefined
  let other: SqliteDatabase.Database | undefined
  afterEach(async () => {
    other?.close()
    await store?.close()
  })

  it('skips the write at once while another connection holds the write lock, and writes once it is gone', async () => {
    const path = join(tempDir('pulse-busy-'), 'pulse.db')
    store = await openStore({ path })
    other = new SqliteDatabase(path)
    other.exec('BEGIN IMMEDIATE')
    const at = new Date('2024-07-20T08:00:00Z')
    const started = Date.now()
    expect(await writeUnlessBusy(store.db, (db) => saveSlackUserLookup(db, 'ana@acme.example', 'UANA', at))).toBe(false)
    expect(Date.now() - started).toBeLessThan(1000)
    // The store's own busy timeout is back for every other write.
    expect(store.sqlite?.pragma('busy_timeout', { simple: true })).toBe(5000)
    other.exec('ROLLBACK')
    expect(await writeUnlessBusy(store.db, (db) => saveSlackUserLookup(db, 'ana@acme.example', 'UANA', at))).toBe(true)
    expect((await findCachedSlackUser(store.db, 'ana@acme.example'))?.slackUserId).toBe('UANA')
  })

  it('passes on failures other than a busy store', async () => {
    store = await openStore({ path: ':memory:' })
    await expect(
      writeUnlessBusy(store.db, async () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(store.sqlite?.pragma('busy_timeout', { simple: true })).toBe(5000)
  })
})

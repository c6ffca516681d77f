import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { afterEach, expect, it } from 'vitest'
import { acquireJobLock, findJobLock, releaseJobLock } from '../../src/db/acquire-job-lock.js'
import type { Store } from '../../src/db/open-store.js'
import { holdSyncLock } from '../../src/ingest/hold-sync-lock.js'
import { describeEachDialect } from '../helpers/each-dialect.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeEachDialect('holdSyncLock', (dialect) => {
  it('keeps renewing its short lease while held, so no other sync starts, and gives the lock back once released', async () => {
    const store = await dialect.open()
    stores.push(store)
    const hold = await holdSyncLock(store.db, 'cli:here:1', { ttlMs: 1200 })
    expect(hold?.holder).toBe('cli:here:1')
    const first = await findJobLock(store.db, 'sync')
    // Well past the first lease: renewed, it is still held and further off.
    await sleep(2600)
    const later = await findJobLock(store.db, 'sync')
    expect(later?.holder).toBe('cli:here:1')
    expect(later && first && later.expiresAt > first.expiresAt).toBe(true)
    expect(later && later.expiresAt > new Date().toISOString()).toBe(true)
    expect(await holdSyncLock(store.db, 'scheduler#2', { ttlMs: 1200 })).toBeNull()
    await hold?.release()
    await hold?.release()
    expect(await findJobLock(store.db, 'sync')).toBeNull()
    // Released, it is renewed no more.
    const next = await holdSyncLock(store.db, 'scheduler#3', { ttlMs: 60_000 })
    await sleep(700)
    expect((await findJobLock(store.db, 'sync'))?.holder).toBe('scheduler#3')
    await next?.release()
  })

  it('takes over the lock of a process on this machine that is gone, not of a live or a far one', async () => {
    const store = await dialect.open()
    stores.push(store)
    const gone = spawnSync(process.execPath, ['-e', '']).pid
    await acquireJobLock(store.db, 'sync', `cli:${hostname()}:${gone}`, 60_000, new Date())
    const hold = await holdSyncLock(store.db, 'slack:here:2#a')
    expect((await findJobLock(store.db, 'sync'))?.holder).toBe('slack:here:2#a')
    await hold?.release()

    for (const live of [`cli:${hostname()}:${process.ppid}`, `${hostname()}:${process.ppid}#run`, `cli:elsewhere:${gone}`]) {
      await acquireJobLock(store.db, 'sync', live, 60_000, new Date())
      expect(await holdSyncLock(store.db, 'cli:here:3'), live).toBeNull()
      expect((await findJobLock(store.db, 'sync'))?.holder).toBe(live)
      await releaseJobLock(store.db, 'sync', live)
    }
  })
})

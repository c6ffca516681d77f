import { hostname } from 'node:os'
import { afterEach, expect, it } from 'vitest'
import { acquireJobLock, findJobLock, withJobLock } from '../../src/db/acquire-job-lock.js'
import type { Store } from '../../src/db/open-store.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { openTwoInstances } from '../jobs/two-instances.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0).reverse()) await s.close()
})

describeEachDialect('withJobLock across two processes', (dialect) => {
  it('runs the sections one at a time, waits out a dead holder, gives the lock back even on a throw, and gives up after its wait', async () => {
    const [a, b] = await openTwoInstances(dialect, stores)
    const log: string[] = []
    const section = (name: string) => async () => {
      log.push(`${name} in`)
      await new Promise((r) => setTimeout(r, 100))
      log.push(`${name} out`)
      return name
    }
    const options = { ttlMs: 10_000, waitMs: 5000, pollMs: 20 }
    expect(await Promise.all([withJobLock(a.db, 'plan', section('a'), options), withJobLock(b.db, 'plan', section('b'), options)])).toEqual(
      ['a', 'b'],
    )
    expect([log.slice(0, 2), log.slice(2)].map((pair) => pair.map((l) => l.split(' ')[1]))).toEqual([
      ['in', 'out'],
      ['in', 'out'],
    ])
    expect(await findJobLock(a.db, 'plan')).toBeNull()

    // The holder names the process (`host:pid`, as job runs do), so a restarted SQLite instance can tell it is gone.
    const holder = await withJobLock(a.db, 'plan', async () => (await findJobLock(a.db, 'plan'))?.holder, options)
    expect(holder?.startsWith(`${hostname()}:${process.pid}#`)).toBe(true)

    // A holder that died: its lease runs out, then the section runs.
    expect(await acquireJobLock(a.db, 'plan', 'dead#1', 300, new Date())).toBe(true)
    const started = Date.now()
    await withJobLock(b.db, 'plan', async () => undefined, options)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)

    await expect(
      withJobLock(
        a.db,
        'plan',
        async () => {
          throw new Error('boom')
        },
        options,
      ),
    ).rejects.toThrow('boom')
    expect(await findJobLock(a.db, 'plan')).toBeNull()

    expect(await acquireJobLock(a.db, 'plan', 'alive#1', 60_000, new Date())).toBe(true)
    await expect(withJobLock(b.db, 'plan', async () => undefined, { ...options, waitMs: 200 })).rejects.toThrow(/holding "plan" .*alive#1/)
  })
})

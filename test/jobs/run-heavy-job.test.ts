import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openStore, type Store, type StoreOptions } from '../../src/db/open-store.js'
import { AppError } from '../../src/errors.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { runHeavyJob } from '../../src/jobs/run-heavy-job.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'
let store: Store | undefined
let schema: string | undefined

afterEach(async () => {
  if (store && schema) await dropTestSchema(store.db, schema)
  await store?.close()
  store = undefined
  schema = undefined
})

/** A store holding `deals` sample deals, at options a worker thread can open too. */
async function sampleStore(where: StoreOptions, deals: number): Promise<Store> {
  const dir = tempDir()
  const csv = join(dir, 'sample.csv')
  expect((await runCli('sample', '--out', csv, '--deals', String(deals), '--seed', '3', '--as-of', AS_OF)).code).toBe(0)
  const opened = await openStore(where)
  schema = where.schema
  await importCsvFile(opened, { path: csv, stages: ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'] })
  return opened
}

/** Runs `fn`, measuring the longest stretch this thread's event loop went without turning. */
async function longestStall<T>(fn: () => Promise<T>): Promise<{ result: T; longestMs: number; totalMs: number }> {
  let last = performance.now()
  let longestMs = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    longestMs = Math.max(longestMs, now - last)
    last = now
  }, 5)
  const started = performance.now()
  try {
    const result = await fn()
    await new Promise((resolve) => setTimeout(resolve, 20))
    return { result, longestMs, totalMs: performance.now() - started }
  } finally {
    clearInterval(ticker)
  }
}

describeEachDialect('runHeavyJob', (dialect) => {
  it('trains and scores on another thread: this thread keeps turning meanwhile, and the results are in the store', async () => {
    const where = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
    store = await sampleStore(where, 8000)
    const trained = await longestStall(() => runHeavyJob(where, store as Store, { kind: 'retrain', asOf: AS_OF, staleDays: 30 }))
    expect(trained.result.nTrain).toBeGreaterThan(1000)
    // Run here, training keeps this thread for its whole length; on the worker, never more than a fraction of it.
    expect(trained.longestMs).toBeLessThan(trained.totalMs / 2)
    const models = await store.db.selectFrom('models').select('model_id').execute()
    expect(models.map((m) => Number(m.model_id))).toEqual([trained.result.modelId])

    const scored = await runHeavyJob(where, store, { kind: 'score', asOf: AS_OF, idleDays: 14 })
    const open = await store.db
      .selectFrom('deals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('outcome', '=', 'open')
      .executeTakeFirstOrThrow()
    expect(scored.scored).toBe(Number(open.n))
    const saved = await store.db
      .selectFrom('deal_scores')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(saved.n)).toBe(Number(open.n))
  })

  it('says when there is no model to score with, passes on the reason a job cannot run, and stops at once when asked', async () => {
    const where = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
    store = await openStore(where)
    schema = where.schema
    expect(await runHeavyJob(where, store, { kind: 'score', asOf: AS_OF, idleDays: 14 })).toEqual({ scored: null })
    const refused = await runHeavyJob(where, store, { kind: 'retrain', asOf: AS_OF, staleDays: 30 }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(AppError)
    expect((refused as AppError).code).toBe('no_data')

    const stop = new AbortController()
    const running = runHeavyJob(where, store, { kind: 'refresh-rollup' }, stop.signal)
    stop.abort(new Error('stopping'))
    await expect(running).rejects.toThrow('stopping')
  })
})

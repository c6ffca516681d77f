import type { Store, StoreOptions } from '../db/open-store.js'
import { AppError } from '../errors.js'
import { startModuleWorker } from '../start-module-worker.js'
import { type HeavyJob, type HeavyJobResults, runHeavyJobHere } from './heavy-job.js'
import type { HeavyJobInput, HeavyJobMessage } from './heavy-job-worker.js'

/**
 * Runs `job` on a worker thread with its own connection to the store at `where`, so that the
 * thread serving Slack stays free to acknowledge requests within Slack's 3 s while the job keeps
 * a CPU busy for seconds (on a 1M-deal store: training about 30 s, the summaries about 10 s,
 * scoring about 5 s, each in one stretch). `signal` stops the worker at once (shutdown): work it
 * had not committed is rolled back and the promise rejects. An in-memory SQLite store (tests)
 * cannot be opened twice, so its job runs on the calling thread (`store`).
 */
export async function runHeavyJob<J extends HeavyJob>(
  where: StoreOptions,
  store: Store,
  job: J,
  signal?: AbortSignal,
): Promise<HeavyJobResults[J['kind']]> {
  if (!where.url && where.path === ':memory:') return runHeavyJobHere(store, job)
  signal?.throwIfAborted()
  const input: HeavyJobInput = {
    store: { path: where.path, ...(where.url ? { url: where.url } : {}), ...(where.schema ? { schema: where.schema } : {}) },
    job,
  }
  const worker = startModuleWorker(import.meta.url, 'heavy-job-worker', input)
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const onAbort = () => {
      void worker.terminate()
      settle(() => reject(signal?.reason ?? new Error('stopped')))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    worker.once('message', (message: HeavyJobMessage) => {
      if (message.type === 'done') settle(() => resolve(message.result as HeavyJobResults[J['kind']]))
      else
        settle(() =>
          reject(message.code ? new AppError(message.code, message.message) : withStack(new Error(message.message), message.stack)),
        )
    })
    worker.once('error', (error) => settle(() => reject(error)))
    worker.once('exit', (code) => settle(() => reject(new Error(`the ${job.kind} worker stopped (exit code ${code}) before it finished`))))
  })
}

function withStack(error: Error, stack: string | undefined): Error {
  if (stack) error.stack = stack
  return error
}

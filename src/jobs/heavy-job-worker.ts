/**
 * Worker thread of {@link runHeavyJob}: opens its own connection to the store, runs one
 * {@link HeavyJob}, closes the connection and posts a {@link HeavyJobMessage}.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openStore, type StoreOptions } from '../db/open-store.js'
import { AppError } from '../errors.js'
import type { HeavyJob } from './heavy-job.js'
import { runHeavyJobHere } from './heavy-job.js'

/** What the starting thread hands the worker. */
export interface HeavyJobInput {
  store: StoreOptions
  job: HeavyJob
}

/** What the worker posts once: the result, or the error (an AppError's code and message, or another error's message). */
export type HeavyJobMessage =
  | { type: 'done'; result: unknown }
  | { type: 'error'; code: AppError['code'] | null; message: string; stack?: string }

async function main(input: HeavyJobInput): Promise<HeavyJobMessage> {
  try {
    const store = await openStore(input.store)
    try {
      return { type: 'done', result: await runHeavyJobHere(store, input.job) }
    } finally {
      await store.close()
    }
  } catch (error) {
    if (error instanceof AppError) return { type: 'error', code: error.code, message: error.message }
    const e = error instanceof Error ? error : new Error(String(error))
    return { type: 'error', code: null, message: e.message, ...(e.stack ? { stack: e.stack } : {}) }
  }
}

main(workerData as HeavyJobInput).then((message) => parentPort?.postMessage(message))

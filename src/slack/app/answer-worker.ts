/**
 * Worker thread of {@link startAnswerWorkers}: opens its own read connection to the store once,
 * then runs each {@link AnswerJob} it is sent and posts an {@link AnswerReply} per job. A job
 * that fails is answered with its error; the thread keeps serving the next ones. A `stop` closes
 * the connection and lets the thread end.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadChartEngine } from '../../charts/render-chart.js'
import { openStore, type Store, type StoreOptions } from '../../db/open-store.js'
import { AppError } from '../../errors.js'
import { type AnswerJob, runAnswerJobHere } from './answer-job.js'

/** What the starting thread hands the worker. */
export interface AnswerWorkerInput {
  store: StoreOptions
}

/**
 * What the starting thread posts: a job to run (its id comes back with the reply), a warm-up (open
 * the store and load the chart renderer, answered like a job with a null result), or stop.
 */
export type AnswerRequest = { type: 'job'; id: number; job: AnswerJob } | { type: 'warm'; id: number } | { type: 'stop' }

/**
 * A failed job's error as it crosses threads: an AppError's code and message; for another error
 * its message, stack and the `code` (`SQLITE_BUSY`, a PostgreSQL SQLSTATE) and `severity` the
 * user-facing sentence is chosen by.
 */
export interface AnswerError {
  appCode: AppError['code'] | null
  message: string
  stack?: string
  code?: string | number
  severity?: string
}

/** What the worker posts for each job. */
export type AnswerReply = { id: number; type: 'done'; result: unknown } | { id: number; type: 'error'; error: AnswerError }

function answerError(error: unknown): AnswerError {
  if (error instanceof AppError) return { appCode: error.code, message: error.message }
  const e = error instanceof Error ? error : new Error(String(error))
  const { code, severity } = e as { code?: unknown; severity?: unknown }
  return {
    appCode: null,
    message: e.message,
    ...(e.stack ? { stack: e.stack } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof severity === 'string' ? { severity } : {}),
  }
}

const input = workerData as AnswerWorkerInput
let store: Promise<Store> | undefined

// The store, opened once. The app's own connection has created it and brought its schema up to
// date. A store that cannot be opened (a database server out of reach) fails the job with the
// reason, not the thread, and the next job tries again.
function opened(): Promise<Store> {
  if (store) return store
  const opening = openStore(input.store.url ? input.store : { ...input.store, readonly: true })
  store = opening
  opening.catch(() => {
    if (store === opening) store = undefined
  })
  return opening
}

async function run(id: number, job: AnswerJob): Promise<AnswerReply> {
  try {
    return { id, type: 'done', result: await runAnswerJobHere((await opened()).db, job) }
  } catch (error) {
    return { id, type: 'error', error: answerError(error) }
  }
}

// The first answer would otherwise pay for the store's connection and the chart renderer's loading.
async function warm(id: number): Promise<AnswerReply> {
  try {
    await Promise.all([opened(), loadChartEngine()])
    return { id, type: 'done', result: null }
  } catch (error) {
    return { id, type: 'error', error: answerError(error) }
  }
}

parentPort?.on('message', (request: AnswerRequest) => {
  if (request.type === 'job' || request.type === 'warm') {
    const replying = request.type === 'job' ? run(request.id, request.job) : warm(request.id)
    void replying.then((reply) => {
      try {
        parentPort?.postMessage(reply)
      } catch (error) {
        // A result that cannot cross threads fails its job, not the thread.
        parentPort?.postMessage({ id: request.id, type: 'error', error: answerError(error) } satisfies AnswerReply)
      }
    })
    return
  }
  parentPort?.close()
  void store?.then((s) => s.close()).catch(() => undefined)
})

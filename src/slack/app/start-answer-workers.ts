import type { Worker } from 'node:worker_threads'
import type { Store, StoreOptions } from '../../db/open-store.js'
import { AppError } from '../../errors.js'
import { startModuleWorker } from '../../start-module-worker.js'
import { type AnswerJob, type AnswerJobResults, runAnswerJobHere } from './answer-job.js'
import type { AnswerError, AnswerReply, AnswerRequest, AnswerWorkerInput } from './answer-worker.js'

/** Threads by default: two, for a 2-core machine whose thread acknowledging Slack is mostly idle. */
const DEFAULT_THREADS = 2

/** How long `stop` lets a worker close its store connection before ending it. */
const STOP_GRACE_MS = 2000

/** The threads that compute Slack answers (see {@link startAnswerWorkers}). */
export interface AnswerWorkers {
  /**
   * Runs `job` on the least busy worker (started when first needed). Rejects with the job's own
   * error (an AppError keeps its code and message), or when its worker stopped before answering
   * (a later job starts a new one).
   */
  run<J extends AnswerJob>(job: J): Promise<AnswerJobResults[J['kind']]>
  /**
   * Starts every worker thread now and has each open its store connection and load the chart
   * renderer, so that the first answers after start-up pay for neither (about 1-2 s on a busy
   * 2-core machine). Resolves when all are ready; a worker that cannot get ready is left to its
   * first job, which tries again (the promise still resolves). Nothing to do on the calling thread.
   */
  warm(): Promise<void>
  /** Worker threads running now (0 when the jobs run on the calling thread). */
  readonly threads: number
  /** Stops the workers: jobs not yet answered reject, and later jobs are refused. */
  stop(): Promise<void>
}

interface Pending {
  resolve(value: unknown): void
  reject(error: Error): void
}

interface Slot {
  worker: Worker | undefined
  readonly pending: Map<number, Pending>
}

/**
 * Computes Slack answers (reports and charts) on up to `threads` long-lived worker threads, each
 * with its own read connection to the store at `where`, so that the thread acknowledging Slack's
 * requests stays free while a report takes seconds of SQL or a chart is drawn. A job that fails
 * leaves its worker serving the next ones; a worker that dies is replaced by the next job. An
 * in-memory SQLite store (tests) cannot be opened twice, so its jobs run on the calling thread.
 */
export function startAnswerWorkers(where: StoreOptions, store: Store, options: { threads?: number } = {}): AnswerWorkers {
  if (!where.url && where.path === ':memory:') {
    return { run: (job) => runAnswerJobHere(store.db, job), warm: async () => undefined, threads: 0, stop: async () => undefined }
  }
  const input: AnswerWorkerInput = {
    store: { path: where.path, ...(where.url ? { url: where.url } : {}), ...(where.schema ? { schema: where.schema } : {}) },
  }
  const slots: Slot[] = Array.from({ length: Math.max(1, options.threads ?? DEFAULT_THREADS) }, () => ({
    worker: undefined,
    pending: new Map(),
  }))
  let nextId = 0
  let stopped = false

  const failAll = (slot: Slot, error: Error) => {
    for (const p of slot.pending.values()) p.reject(error)
    slot.pending.clear()
  }

  const start = (slot: Slot): Worker => {
    const worker = startModuleWorker(import.meta.url, 'answer-worker', input)
    worker.on('message', (reply: AnswerReply) => {
      const p = slot.pending.get(reply.id)
      if (!p) return
      slot.pending.delete(reply.id)
      if (reply.type === 'done') p.resolve(reply.result)
      else p.reject(reviveError(reply.error))
    })
    const gone = (error: Error) => {
      if (slot.worker !== worker) return
      slot.worker = undefined
      failAll(slot, error)
    }
    worker.on('error', gone)
    worker.on('exit', (code) => gone(new Error(`the Slack answer worker stopped (exit code ${code}) before it answered`)))
    slot.worker = worker
    return worker
  }

  // Posts a request to the slot's worker (started if none runs) and resolves with its reply's result.
  const send = (slot: Slot, request: (id: number) => AnswerRequest): Promise<unknown> => {
    const worker = slot.worker ?? start(slot)
    const id = nextId++
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      try {
        worker.postMessage(request(id))
      } catch (error) {
        // A job that cannot cross threads (not plain data) is refused, and forgotten.
        slot.pending.delete(id)
        reject(error)
      }
    })
  }

  return {
    async run<J extends AnswerJob>(job: J): Promise<AnswerJobResults[J['kind']]> {
      if (stopped) throw new Error('the Slack answer workers have been stopped')
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
      const result = await send(slot, (id) => ({ type: 'job', id, job }))
      return (job.kind === 'chart' ? withBufferPng(result as AnswerJobResults['chart']) : result) as AnswerJobResults[J['kind']]
    },
    async warm() {
      if (stopped) return
      await Promise.all(slots.map((slot) => send(slot, (id) => ({ type: 'warm', id })).catch(() => undefined)))
    },
    get threads() {
      return slots.filter((s) => s.worker !== undefined).length
    },
    async stop() {
      stopped = true
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker
          if (!worker) return
          slot.worker = undefined
          failAll(slot, new Error('the Slack answer workers were stopped before the answer was ready'))
          const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
          worker.postMessage({ type: 'stop' } satisfies AnswerRequest)
          let timer: NodeJS.Timeout | undefined
          const late = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, STOP_GRACE_MS)
          })
          await Promise.race([exited, late])
          clearTimeout(timer)
          await worker.terminate()
        }),
      )
    },
  }
}

// A PNG crosses threads as a Uint8Array: the app's uploads and stores take a Buffer.
function withBufferPng(chart: AnswerJobResults['chart']): AnswerJobResults['chart'] {
  const png = chart.png as Uint8Array
  return { ...chart, png: Buffer.isBuffer(png) ? png : Buffer.from(png.buffer, png.byteOffset, png.byteLength) }
}

function reviveError(e: AnswerError): Error {
  if (e.appCode) return new AppError(e.appCode, e.message)
  const error = new Error(e.message) as Error & { code?: string | number; severity?: string }
  if (e.stack) error.stack = e.stack
  if (e.code !== undefined) error.code = e.code
  if (e.severity !== undefined) error.severity = e.severity
  return error
}

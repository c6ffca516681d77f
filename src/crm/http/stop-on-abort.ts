import { AppError } from '../../errors.js'
import { type Clock, systemClock } from './clock.js'

/** The message of the error a CRM wait or request ends with once its sync is told to stop. */
export const CRM_STOPPED = 'The sync was stopped by a shutdown; the next sync resumes from there.'

/**
 * A clock and a fetch for one CRM sync that give up as soon as `signal` is aborted (a
 * `pulse serve` shutting down): a backoff, a 429's wait or a pacer's wait then ends at once by
 * throwing AppError `internal` ({@link CRM_STOPPED}), and a request in flight is cancelled, so a
 * stop never sits out a CRM's Retry-After (HubSpot's ten-secondly limit alone asks for 10 s a
 * time, up to 8 times). Without an abort they behave as `clock` and `doFetch`.
 */
export function stopOnAbort(
  signal: AbortSignal,
  clock: Clock = systemClock,
  doFetch: typeof fetch = fetch,
): { clock: Clock; fetch: typeof fetch } {
  const stopped = () => new AppError('internal', CRM_STOPPED)
  return {
    clock: {
      now: () => clock.now(),
      // The clock is handed the signal (the real one then clears its timer, so a stopping process
      // is not kept alive); one that ignores it is raced against the abort instead.
      sleep: (ms) =>
        new Promise<void>((resolve, reject) => {
          if (signal.aborted) return reject(stopped())
          const onAbort = () => reject(stopped())
          signal.addEventListener('abort', onAbort, { once: true })
          clock.sleep(ms, signal).then(
            () => {
              signal.removeEventListener('abort', onAbort)
              if (signal.aborted) reject(stopped())
              else resolve()
            },
            (error: unknown) => {
              signal.removeEventListener('abort', onAbort)
              reject(signal.aborted ? stopped() : error)
            },
          )
        }),
    },
    fetch: (input, init) => {
      if (signal.aborted) return Promise.reject(stopped())
      return doFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }).catch((error: unknown) => {
        throw signal.aborted ? stopped() : error
      })
    },
  }
}

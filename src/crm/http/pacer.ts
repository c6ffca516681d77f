import type { Clock } from './clock.js'

/**
 * Spaces requests so that no `windowMs` window of the CRM's counter ever holds more than `limit`
 * of them (a sliding window, like the CRMs' own). A request counts from the moment it is let
 * through until `windowMs` after its answer started: the server counted it somewhere in
 * between, so this stays below the limit even when our event loop sent it late. After a 429,
 * {@link Pacer.pause} holds every later request until the CRM's wait is over.
 */
export interface Pacer {
  /** Resolves when one more request may start; call the returned function once its answer starts (or it fails). */
  take(): Promise<() => void>
  /** Holds all requests for `ms` from now (a 429 told us to wait). */
  pause(ms: number): void
  /** Requests let through so far. */
  readonly started: number
}

/** Options of {@link createPacer}. */
export interface PacerOptions {
  /** Requests allowed per window. */
  limit: number
  windowMs: number
  /** Extra wait beyond the window, for clock differences (default 5 ms; the count already runs to the answer, which comes after the server counted the request). */
  marginMs?: number
  clock: Clock
}

/**
 * A pacer for one CRM rate limit (for example HubSpot search: 5 per 1,000 ms).
 * `limit` of `Infinity` never waits.
 */
export function createPacer(options: PacerOptions): Pacer {
  const { limit, windowMs, clock } = options
  const margin = options.marginMs ?? 5
  // End times of requests that may still sit in the server's window; Infinity while in flight.
  let slots: number[] = []
  let pausedUntil = 0
  let queue: Promise<unknown> = Promise.resolve()
  let started = 0
  let wake: (() => void) | undefined

  const next = async (): Promise<() => void> => {
    for (;;) {
      const now = clock.now()
      if (pausedUntil > now) {
        await clock.sleep(pausedUntil - now)
        continue
      }
      if (!Number.isFinite(limit)) break
      slots = slots.filter((t) => t > now - windowMs - margin)
      if (slots.length < limit) break
      const finite = slots.filter(Number.isFinite)
      if (slots.length - finite.length >= limit || finite.length === 0) {
        // Everything counted is still in flight: wait for an answer.
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        continue
      }
      const oldest = Math.min(...finite)
      await clock.sleep(oldest + windowMs + margin - now)
    }
    started++
    if (!Number.isFinite(limit)) return () => undefined
    slots.push(Number.POSITIVE_INFINITY)
    let released = false
    return () => {
      if (released) return
      released = true
      // In-flight markers are all alike: turn one of them into this request's end time.
      const i = slots.indexOf(Number.POSITIVE_INFINITY)
      if (i >= 0) slots[i] = clock.now()
      wake?.()
      wake = undefined
    }
  }

  return {
    take() {
      const turn = queue.then(next)
      queue = turn.catch(() => undefined)
      return turn
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms)
    },
    get started() {
      return started
    },
  }
}

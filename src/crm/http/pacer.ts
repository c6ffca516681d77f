import type { Clock } from './clock.js'

/**
 * Spaces request starts so that no `windowMs` window ever holds more than `limit` of them
 * (a sliding window, like the CRM's own counters), plus `marginMs` of slack for network jitter.
 * After a 429, {@link Pacer.pause} holds every later request until the CRM's wait is over.
 */
export interface Pacer {
  /** Resolves when one more request may start, and counts it. Callers are served in order. */
  take(): Promise<void>
  /** Holds all requests for `ms` from now (a 429 told us to wait). */
  pause(ms: number): void
  /** Requests started so far. */
  readonly started: number
}

/** Options of {@link createPacer}. */
export interface PacerOptions {
  /** Requests allowed per window. */
  limit: number
  windowMs: number
  /** Extra wait beyond the window, for jitter between our clock and the server's (default 50 ms). */
  marginMs?: number
  clock: Clock
}

/**
 * A pacer for one CRM rate limit (for example HubSpot search: 5 per 1,000 ms).
 * `limit` of `Infinity` never waits.
 */
export function createPacer(options: PacerOptions): Pacer {
  const { limit, windowMs, clock } = options
  const margin = options.marginMs ?? 50
  const starts: number[] = []
  let pausedUntil = 0
  let queue: Promise<void> = Promise.resolve()
  let started = 0

  const next = async (): Promise<void> => {
    for (;;) {
      const now = clock.now()
      if (pausedUntil > now) {
        await clock.sleep(pausedUntil - now)
        continue
      }
      if (Number.isFinite(limit) && starts.length >= limit) {
        const oldest = starts[starts.length - limit] as number
        const freeAt = oldest + windowMs + margin
        if (freeAt > now) {
          await clock.sleep(freeAt - now)
          continue
        }
      }
      if (Number.isFinite(limit)) {
        starts.push(now)
        if (starts.length > limit * 2) starts.splice(0, starts.length - limit)
      }
      started++
      return
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

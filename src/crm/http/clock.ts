import { setTimeout as delay } from 'node:timers/promises'

/**
 * Time as the CRM clients see it: `now()` in epoch milliseconds and `sleep(ms)`. Injected so
 * tests can check backoff and pacing without waiting for real. A clock may end a sleep early
 * when `signal` is aborted (the real one does, clearing its timer); callers must not rely on it.
 */
export interface Clock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The real clock: `Date.now()` and a timer, cleared (the sleep rejecting) when `signal` is aborted. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(Math.max(0, ms), undefined, signal ? { signal } : undefined)
  },
}

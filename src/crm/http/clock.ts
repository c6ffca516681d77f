/**
 * Time as the CRM clients see it: `now()` in epoch milliseconds and `sleep(ms)`. Injected so
 * tests can check backoff and pacing without waiting for real.
 */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
}

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

/**
 * A virtual clock for tests: `sleep` returns at once (after one macrotask) and moves `now()`
 * forward by the time asked for; every sleep is recorded in `sleeps`.
 */
export function virtualClock(start = Date.UTC(2024, 5, 1)): Clock & { sleeps: number[] } {
  let t = start
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms)
      t += Math.max(0, ms)
      await new Promise((resolve) => setImmediate(resolve))
    },
  }
}

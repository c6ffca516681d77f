import type { Clock } from '../../src/crm/http/clock.js'

/**
 * A virtual clock for the CRM clients: `sleep` returns at once (after one macrotask) and moves
 * `now()` forward by the time asked for; every sleep is recorded in `sleeps`.
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

/**
 * Lets the event loop run timers and I/O (a Slack request waiting to be acknowledged) before the
 * caller goes on. A chain of awaits on better-sqlite3 queries resolves in microtasks only, so a
 * loop of thousands of them would otherwise hold the thread for seconds.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Deals handled between two {@link yieldToEventLoop} calls in the loops that write one row per deal. */
export const ROWS_PER_YIELD = 100

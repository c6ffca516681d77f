/** The window the per-person limit on `/pulse` counts in. */
export const COMMAND_WINDOW_MS = 60_000

/** At most this many people are remembered at once (the least recently active are forgotten first). */
const MAX_PEOPLE = 10_000

/** The answer of {@link CommandRateLimit.take}: run it, or wait `retryAfterS` seconds. */
export type CommandRateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterS: number }

/** A per-person limit on the reports `/pulse` runs (see {@link createCommandRateLimit}). */
export interface CommandRateLimit {
  /**
   * Counts one run for `userId`, identified by `requestKey` (the request's `trigger_id`): allowed
   * while they ran fewer than the limit in the last minute. A request whose key was already
   * counted for them (Slack delivering the same request again) is allowed without counting twice.
   */
  take(userId: string, requestKey: string): CommandRateDecision
  /** How many people are remembered now (for tests and the log). */
  readonly size: number
}

/**
 * A sliding one-minute limit of `perMinute` runs per Slack user (0: no limit). Refused requests
 * are not counted, so someone who waits the seconds they are told gets their next report. Memory
 * stays bounded: a person with no run in the last minute is forgotten at the next request, and
 * beyond {@link MAX_PEOPLE} the least recently active are forgotten first. Per process.
 */
export function createCommandRateLimit(perMinute: number, nowMs: () => number = Date.now): CommandRateLimit {
  // Each person's runs in the window, oldest first; the Map keeps people in order of their last run.
  const runs = new Map<string, Array<{ at: number; key: string }>>()
  const forgetIdle = (now: number) => {
    for (const [user, list] of runs) {
      const last = list[list.length - 1]
      if (runs.size < MAX_PEOPLE && last !== undefined && now - last.at < COMMAND_WINDOW_MS) break
      runs.delete(user)
    }
  }
  return {
    take(userId, requestKey) {
      if (perMinute <= 0) return { allowed: true }
      const now = nowMs()
      forgetIdle(now)
      const list = (runs.get(userId) ?? []).filter((r) => now - r.at < COMMAND_WINDOW_MS)
      if (list.some((r) => r.key === requestKey)) return { allowed: true }
      if (list.length >= perMinute) {
        const oldest = list[0]?.at ?? now
        return { allowed: false, retryAfterS: Math.max(1, Math.ceil((oldest + COMMAND_WINDOW_MS - now) / 1000)) }
      }
      list.push({ at: now, key: requestKey })
      runs.delete(userId)
      runs.set(userId, list)
      return { allowed: true }
    },
    get size() {
      return runs.size
    },
  }
}

/** What someone over the limit is told instead of their answer. */
export function slowDownMessage(retryAfterS: number, perMinute: number): string {
  return `:hourglass: You have asked Sales Pulse for ${perMinute} reports in the last minute, its limit per person. Slow down: try again in ${retryAfterS} second${retryAfterS === 1 ? '' : 's'}.`
}

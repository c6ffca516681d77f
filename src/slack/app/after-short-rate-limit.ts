/** Whether `error` is a Web API 429 (a client with `rejectRateLimitedCalls`); its Retry-After in seconds, or null. */
export function rateLimitRetryAfter(error: unknown): number | null {
  const e = error as { code?: string; retryAfter?: number } | undefined
  return e?.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number' ? e.retryAfter : null
}

/**
 * Runs `step` (a call through a client that throws on 429, `rejectRateLimitedCalls`); when Slack
 * rate-limits it with a Retry-After of at most `maxRetryAfterS` seconds, waits that long once and
 * runs it again. A longer wait, or any other error, is thrown at once.
 *
 * @example await afterShortRateLimit(() => client.views.publish({ user_id, view }), 10)
 */
export async function afterShortRateLimit<T>(step: () => Promise<T>, maxRetryAfterS: number): Promise<T> {
  try {
    return await step()
  } catch (error) {
    const retryAfter = rateLimitRetryAfter(error)
    if (retryAfter === null || retryAfter > maxRetryAfterS) throw error
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000))
    return step()
  }
}

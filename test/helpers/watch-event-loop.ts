/**
 * Watches how long the process goes without running a timer (a Slack request arriving then
 * would wait as long): `longest()` is the longest gap seen between two ticks every `everyMs`.
 */
export function watchEventLoop(everyMs = 20): { longest: () => number; stop: () => void } {
  let last = Date.now()
  let longest = 0
  const ticker = setInterval(() => {
    longest = Math.max(longest, Date.now() - last)
    last = Date.now()
  }, everyMs)
  return { longest: () => longest, stop: () => clearInterval(ticker) }
}

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054

/**
 * Wilson score interval for `won` successes out of `n` (default 95%). Never leaves [0, 1], always
 * contains `won / n`, and starts at exactly 0 for 0 successes (ends at exactly 1 for n). n = 0 gives [0, 1].
 * @example wilsonInterval(8, 10) // { low: 0.4902, high: 0.9433 }
 */
export function wilsonInterval(won: number, n: number, z: number = Z95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 }
  const p = won / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom
  // At 0 or n successes the bound is exactly 0 or 1; rounding would leave it a hair inside
  // (3e-18), and the interval would then not contain the observed rate.
  return { low: won <= 0 ? 0 : Math.max(0, centre - half), high: won >= n ? 1 : Math.min(1, centre + half) }
}

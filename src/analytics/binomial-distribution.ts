/** ln(n!) via ln Gamma(n + 1) (Lanczos, about 15 digits). */
export function logFactorial(n: number): number {
  return logGamma(n + 1)
}

/** ln Gamma(x) for x > 0 (Lanczos approximation, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const g = 7
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  const z = x - 1
  let a = coef[0]!
  const t = z + g + 0.5
  for (let i = 1; i < g + 2; i++) a += coef[i]! / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0
  if (p <= 0) return k === 0 ? 1 : 0
  if (p >= 1) return k === n ? 1 : 0
  return Math.exp(logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log1p(-p))
}

/**
 * Exact binomial control limits in counts: `low` is the smallest k with P(X <= k) >= alpha and
 * `high` the largest k with P(X >= k) >= alpha, so a count below `low` (or above `high`) has a
 * one-sided tail probability under `alpha`.
 * @example binomialLimits(10, 0.5, 0.00135) // { low: 1, high: 9 }
 */
export function binomialLimits(n: number, p: number, alpha: number): { low: number; high: number } {
  let cdf = 0
  let low = n
  for (let k = 0; k <= n; k++) {
    cdf += binomialPmf(k, n, p)
    if (cdf >= alpha - 1e-12) {
      low = k
      break
    }
  }
  let sf = 0
  let high = 0
  for (let k = n; k >= 0; k--) {
    sf += binomialPmf(k, n, p)
    if (sf >= alpha - 1e-12) {
      high = k
      break
    }
  }
  return { low, high }
}

/**
 * P(X >= k) for X ~ Binomial(n, p), summed exactly from k up (past the mean the terms fall off
 * quickly, so the sum stops once they no longer add to it: fast for a count far in the tail of a large n).
 * @example binomialUpperTail(3, 3, 0.25) // 0.015625
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  let sum = 0
  for (let j = k; j <= n; j++) {
    const term = binomialPmf(j, n, p)
    sum += term
    if (j > n * p && term <= sum * 1e-17) break
  }
  return Math.min(1, sum)
}

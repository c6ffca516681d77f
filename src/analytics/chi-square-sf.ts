import { logGamma } from './binomial-distribution.js'

/**
 * Upper tail P(X > x) of the chi-square distribution with `df` degrees of freedom (regularized
 * incomplete gamma, series or continued fraction). Used by the p-chart's overdispersion test.
 * @example chiSquareSf(3.841, 1) // ~0.05
 */
export function chiSquareSf(x: number, df: number): number {
  if (x <= 0) return 1
  return upperGamma(df / 2, x / 2)
}

function upperGamma(a: number, x: number): number {
  const lnPre = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let sum = 1 / a
    let term = sum
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break
    }
    return Math.max(0, 1 - sum * Math.exp(lnPre))
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return Math.min(1, Math.exp(lnPre) * h)
}

import { logFactorial } from './binomial-distribution.js'
import { normalSf } from './normal-distribution.js'

/** Result of comparing a segment's win rate with everyone else's. */
export interface TwoProportionResult {
  /** Two-sided p-value. */
  pValue: number
  /** `fisher` when an expected cell count is below 5 (exact), else `z` (pooled two-proportion). */
  test: 'fisher' | 'z'
}

/**
 * Two-sided test that `wonA / nA` and `wonB / nB` come from the same rate. Uses Fisher's exact
 * test when the 2x2 table has an expected count below 5, otherwise the pooled z test.
 * With an empty group the p-value is 1.
 * @example twoProportionTest(30, 100, 60, 100) // { pValue: ~2.1e-5, test: 'z' }
 */
export function twoProportionTest(wonA: number, nA: number, wonB: number, nB: number): TwoProportionResult {
  const n = nA + nB
  const won = wonA + wonB
  if (nA === 0 || nB === 0 || won === 0 || won === n) return { pValue: 1, test: 'z' }
  const lost = n - won
  const minExpected = Math.min(nA, nB) * (Math.min(won, lost) / n)
  if (minExpected < 5) return { pValue: fisherExact(wonA, nA, won, n), test: 'fisher' }
  const p = won / n
  const se = Math.sqrt(p * (1 - p) * (1 / nA + 1 / nB))
  const z = (wonA / nA - wonB / nB) / se
  return { pValue: Math.min(1, 2 * normalSf(Math.abs(z))), test: 'z' }
}

/**
 * Fisher's exact two-sided p for a 2x2 table with row total `nA`, column total `won`, grand total
 * `n`, and `a` in the top-left cell: the sum of every table's probability not above the observed one.
 */
export function fisherExact(a: number, nA: number, won: number, n: number): number {
  const lo = Math.max(0, won - (n - nA))
  const hi = Math.min(nA, won)
  const base = logFactorial(nA) + logFactorial(n - nA) + logFactorial(won) + logFactorial(n - won) - logFactorial(n)
  const logP = (x: number) => base - logFactorial(x) - logFactorial(nA - x) - logFactorial(won - x) - logFactorial(n - nA - won + x)
  const observed = logP(a)
  let sum = 0
  for (let x = lo; x <= hi; x++) {
    const lp = logP(x)
    if (lp <= observed + 1e-7) sum += Math.exp(lp)
  }
  return Math.min(1, sum)
}

/**
 * A shift of the model's probabilities toward the win rate of the newest closed deals, when the
 * test shows that rate has moved (a recent drop, say) and the shift holds up on newer deals.
 * A tree over facts known at creation cannot see time: trained on two years of deals, it
 * predicts the old rate for deals created after a drop. Pure: no I/O.
 */
import { formatCount, formatWholePercent } from '../analytics/format-figures.js'
import { logLoss } from './binary-metrics.js'

/** The shift applied to the scoring model's probabilities, in log-odds, and why. */
export interface RecentRateShift {
  /** Added to each probability's log-odds (negative: lowered). */
  logOdds: number
  /** Test deals (the newest closed, never seen by the tested model) the shift is fitted to. */
  n: number
  /** Their mean probability from the tested model, and the share of them that won. */
  predicted: number
  observed: number
  /** z of won against predicted on the test deals (a Poisson-binomial count): at least {@link SHIFT_MIN_Z} in size. */
  z: number
  /**
   * The check: a shift fitted on the older half of the test deals, applied to the newer half,
   * lowered their log loss from `before` to `after`.
   */
  check: { before: number; after: number }
}

/**
 * |z| the gap between won and predicted on the test deals must reach (two-sided p < 0.001): a
 * shift changes every deal's probability, so it takes more than the 1% that a finding takes.
 */
export const SHIFT_MIN_Z = 3.291
/** Fewest test deals in each half of the check. */
const MIN_HALF = 50
const EPS = 1e-6

const clamp = (p: number) => (p < EPS ? EPS : p > 1 - EPS ? 1 - EPS : p)
const logit = (p: number) => Math.log(clamp(p) / (1 - clamp(p)))
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** `p` with `logOdds` added to its log-odds. */
export function shiftedProbability(p: number, logOdds: number): number {
  return logOdds === 0 ? p : sigmoid(logit(p) + logOdds)
}

/** The log-odds shift that makes the mean of `p` equal `target` (bisection; the mean rises with the shift). */
export function logOddsShiftTo(p: ArrayLike<number>, target: number): number {
  if (p.length === 0) return 0
  const goal = clamp(target)
  const meanAt = (d: number) => {
    let s = 0
    for (let i = 0; i < p.length; i++) s += sigmoid(logit(p[i] as number) + d)
    return s / p.length
  }
  let lo = -20
  let hi = 20
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2
    if (meanAt(mid) < goal) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/**
 * The shift for the scoring model, or null when none is warranted. `testP`: the tested model's
 * probabilities for the test deals, oldest close first, with their outcomes `testLabels`;
 * `finalTestP`: the scoring model's for the same deals (it was fitted on them too, so its gap is
 * the smaller one, and the shift fitted to it the milder). A shift is made only when the tested
 * gap is significant (|z| >= {@link SHIFT_MIN_Z}) and a shift fitted on the older half of the test
 * deals lowers the log loss of the newer half.
 */
export function recentRateShift(
  testP: readonly number[],
  testLabels: readonly number[],
  finalTestP: readonly number[],
): RecentRateShift | null {
  const n = testP.length
  if (n < 2 * MIN_HALF || finalTestP.length !== n || testLabels.length !== n) return null
  let won = 0
  let predicted = 0
  let variance = 0
  for (let i = 0; i < n; i++) {
    const p = testP[i] as number
    won += testLabels[i] as number
    predicted += p
    variance += p * (1 - p)
  }
  if (variance <= 0) return null
  const z = (won - predicted) / Math.sqrt(variance)
  if (Math.abs(z) < SHIFT_MIN_Z) return null
  const half = Math.floor(n / 2)
  const olderP = testP.slice(0, half)
  const olderRate = mean(testLabels.slice(0, half))
  const newerP = testP.slice(half)
  const newerY = testLabels.slice(half)
  const d = logOddsShiftTo(olderP, olderRate)
  const before = logLoss(newerP, newerY)
  const after = logLoss(
    newerP.map((p) => shiftedProbability(p, d)),
    newerY,
  )
  if (!(after < before)) return null
  const logOdds = logOddsShiftTo(finalTestP, won / n)
  // The scoring model fitted on these deals may already match them: then there is nothing to shift.
  if (Math.sign(logOdds) !== Math.sign(z)) return null
  return { logOdds, n, predicted: predicted / n, observed: won / n, z, check: { before, after } }
}

/**
 * The shift in one sentence, with its numbers (said only of an informative model: segment base
 * rates shown in place of an uninformative one's probabilities are not shifted): with the test and the check behind it for
 * `pulse train`, without them (`brief`) for `pulse score`.
 */
export function recentShiftSentence(shift: RecentRateShift, brief = false): string {
  const way = shift.logOdds < 0 ? 'lowered' : 'raised'
  const example = `a deal the model puts at ${formatWholePercent(shift.predicted)} shows ${formatWholePercent(shiftedProbability(shift.predicted, shift.logOdds))}`
  const gap = `the ${formatCount(shift.n)} newest closed deals won ${formatWholePercent(shift.observed)} where the model predicted ${formatWholePercent(shift.predicted)}`
  if (brief) return `Probabilities are ${way} toward the newest deals' win rate (${gap}): ${example}.`
  return (
    `Probabilities are ${way} toward the newest deals' win rate: ${gap} (z = ${shift.z.toFixed(1)}, more than chance allows), ` +
    `and a shift fitted on the older half of them improved the newer half (log loss ${shift.check.before.toFixed(3)} to ${shift.check.after.toFixed(3)}). ` +
    `${example.charAt(0).toUpperCase()}${example.slice(1)}.`
  )
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length
}

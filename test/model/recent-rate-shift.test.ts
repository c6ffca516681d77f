import { describe, expect, it } from 'vitest'
import { logOddsShiftTo, recentRateShift, recentShiftSentence, SHIFT_MIN_Z, shiftedProbability } from '../../src/model/recent-rate-shift.js'

/** `n` outcomes won at `rate`, spread evenly (deterministic). */
const outcomes = (n: number, rate: number) =>
  Array.from({ length: n }, (_, i) => (Math.floor((i + 1) * rate) > Math.floor(i * rate) ? 1 : 0))
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

describe('recentRateShift', () => {
  it('finds the log-odds shift that brings the mean probability to a target', () => {
    const p = [0.1, 0.3, 0.5, 0.7]
    const d = logOddsShiftTo(p, 0.25)
    expect(d).toBeLessThan(0)
    expect(mean(p.map((x) => shiftedProbability(x, d)))).toBeCloseTo(0.25, 6)
    expect(shiftedProbability(0.4, 0)).toBe(0.4)
  })

  it('shifts down when the newest deals win well below what the model predicted, and the shift holds on the newer half', () => {
    const p = Array.from({ length: 600 }, (_, i) => 0.3 + (0.2 * ((i * 7) % 10)) / 10)
    const y = outcomes(600, 0.2)
    const shift = recentRateShift(p, y, p)
    expect(shift).not.toBeNull()
    expect(shift?.logOdds).toBeLessThan(0)
    expect(shift?.z).toBeLessThan(-SHIFT_MIN_Z)
    expect(shift?.check.after).toBeLessThan(shift?.check.before as number)
    expect(mean(p.map((x) => shiftedProbability(x, shift?.logOdds as number)))).toBeCloseTo(0.2, 3)
    expect(recentShiftSentence(shift as NonNullable<typeof shift>)).toMatch(
      /^Probabilities are lowered toward the newest deals' win rate: the 600 newest closed deals won 20% where the model predicted 39% \(z = -\d+\.\d, more than chance allows\)/,
    )
  })

  it('leaves the probabilities alone when the gap is within chance, even past the 1% level', () => {
    const p = Array.from({ length: 400 }, () => 0.3)
    expect(recentRateShift(p, outcomes(400, 0.28), p)).toBeNull()
    // 36% won where 30% was predicted, of 1,000: z = 4.1; of 400: z = 2.6, below the gate.
    expect(
      recentRateShift(
        Array.from({ length: 1000 }, () => 0.3),
        outcomes(1000, 0.36),
        Array.from({ length: 1000 }, () => 0.3),
      ),
    ).not.toBeNull()
    expect(recentRateShift(p, outcomes(400, 0.36), p)).toBeNull()
  })

  it('leaves them alone when a shift fitted on the older half does not help the newer half', () => {
    // The older half won 10%, the newer half 50%: the overall gap is significant, but it is not a steady level.
    const p = Array.from({ length: 400 }, () => 0.45)
    const y = [...outcomes(200, 0.1), ...outcomes(200, 0.5)]
    expect(recentRateShift(p, y, p)).toBeNull()
  })

  it('leaves them alone with too few test deals, or when the scoring model already matches the newest rate', () => {
    const p = Array.from({ length: 60 }, () => 0.5)
    expect(recentRateShift(p, outcomes(60, 0.1), p)).toBeNull()
    const q = Array.from({ length: 600 }, () => 0.4)
    const y = outcomes(600, 0.2)
    expect(
      recentRateShift(
        q,
        y,
        Array.from({ length: 600 }, () => 0.19),
      ),
    ).toBeNull()
  })
})

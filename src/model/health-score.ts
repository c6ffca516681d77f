import type { StageNorm } from './stage-norms.js'

/** What the health score is made of, each part in [0, 1]. */
export interface HealthBreakdown {
  /** 0-100, higher is healthier. */
  score: number
  probability: number
  /** Null when days idle are not known (as of a day before the deal's latest recorded activity). */
  activity: number | null
  /** Null when the stage has no norm (no stage history, or too few won deals through it). */
  pace: number | null
}

/** Weights of the three parts (docs/model.md "Health score"). */
export const HEALTH_WEIGHTS = { probability: 0.5, activity: 0.25, pace: 0.25 } as const

/**
 * Deal health, 0-100:
 * `100 x (0.5 x p + 0.25 x activity + 0.25 x pace)`, where p is the win probability shown for the
 * deal, activity = 1 - daysIdle / (2 x idle limit) clipped to [0, 1] (1 when touched today, 0.5 at
 * the idle limit, 0 at twice it), and pace compares the days in the current stage with how long won
 * deals stayed there: 1 up to their median, falling linearly to 0.5 at their 90th percentile and to
 * 0 at twice it. Without a stage norm (or days in stage) the pace part is left out and the other
 * weights rescaled; likewise the activity part without days idle.
 * Never increases as days idle or days in stage grow.
 */
export function healthScore(input: {
  winProbability: number
  daysIdle: number | null
  daysInStage: number | null
  norm: StageNorm | undefined
  idleDays: number
}): HealthBreakdown {
  const probability = clamp01(input.winProbability)
  const activity = input.daysIdle === null ? null : clamp01(1 - input.daysIdle / (2 * Math.max(1, input.idleDays)))
  const pace = input.norm && input.daysInStage !== null ? paceScore(input.daysInStage, input.norm) : null
  const w = HEALTH_WEIGHTS
  let sum = w.probability * probability
  let weight = w.probability
  if (activity !== null) {
    sum += w.activity * activity
    weight += w.activity
  }
  if (pace !== null) {
    sum += w.pace * pace
    weight += w.pace
  }
  const raw = sum / weight
  return { score: Math.round(100 * raw), probability, activity, pace }
}

/** 1 up to the median stay of won deals, 0.5 at their p90, 0 at twice the p90 (linear between). */
export function paceScore(daysInStage: number, norm: StageNorm): number {
  const { median, p90 } = norm
  if (daysInStage <= median) return 1
  if (daysInStage <= p90) return p90 === median ? 0.5 : 1 - (0.5 * (daysInStage - median)) / (p90 - median)
  return clamp01(0.5 * (1 - (daysInStage - p90) / Math.max(1, p90)))
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x))
}

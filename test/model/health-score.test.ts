import { describe, expect, it } from 'vitest'
import { healthScore, paceScore } from '../../src/model/health-score.js'

const norm = { median: 10, p90: 20, n: 100 }

describe('health score', () => {
  it('never rises as days idle grow, and weighs probability, activity and pace as documented', () => {
    let previous = Number.POSITIVE_INFINITY
    for (let idle = 0; idle <= 60; idle++) {
      const h = healthScore({ winProbability: 0.4, daysIdle: idle, daysInStage: 5, norm, idleDays: 14 })
      expect(h.score).toBeLessThanOrEqual(previous)
      previous = h.score
    }
    // 100 x (0.5 x 0.4 + 0.25 x 1 + 0.25 x 1)
    expect(healthScore({ winProbability: 0.4, daysIdle: 0, daysInStage: 5, norm, idleDays: 14 }).score).toBe(70)
    // idle half the limit: activity 0.75; 100 x (0.2 + 0.1875 + 0.25)
    expect(healthScore({ winProbability: 0.4, daysIdle: 7, daysInStage: 5, norm, idleDays: 14 }).score).toBe(64)
    expect(healthScore({ winProbability: 0.4, daysIdle: 14, daysInStage: 5, norm, idleDays: 14 }).activity).toBe(0.5)
    // idle twice the limit and past twice the stage p90: only the probability part is left
    expect(healthScore({ winProbability: 0.4, daysIdle: 28, daysInStage: 40, norm, idleDays: 14 }).score).toBe(20)
    // Days idle not known (a look back before the latest activity): the activity part is left out, not counted as active.
    expect(healthScore({ winProbability: 0.4, daysIdle: null, daysInStage: 5, norm, idleDays: 14 })).toMatchObject({
      score: 60,
      activity: null,
    })
    expect(healthScore({ winProbability: 0.4, daysIdle: null, daysInStage: null, norm, idleDays: 14 }).score).toBe(40)
  })

  it('never rises as days in stage grow, with 0.5 at the p90 of won deals', () => {
    expect(paceScore(10, norm)).toBe(1)
    expect(paceScore(15, norm)).toBe(0.75)
    expect(paceScore(20, norm)).toBe(0.5)
    expect(paceScore(40, norm)).toBe(0)
    let previous = 2
    for (let d = 0; d < 60; d++) {
      expect(paceScore(d, norm)).toBeLessThanOrEqual(previous)
      previous = paceScore(d, norm)
    }
  })

  it('rescales the weights when the stage has no norm', () => {
    // (0.5 x 0.4 + 0.25 x 1) / 0.75
    expect(healthScore({ winProbability: 0.4, daysIdle: 0, daysInStage: 5, norm: undefined, idleDays: 14 })).toMatchObject({
      score: 60,
      pace: null,
    })
  })
})

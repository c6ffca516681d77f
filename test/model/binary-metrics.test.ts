import { describe, expect, it } from 'vitest'
import { accuracy, auc, bootstrapAuc, brierScore, logLoss, reliabilityTable } from '../../src/model/binary-metrics.js'

describe('binary metrics', () => {
  it('computes AUC as the share of won-lost pairs ranked right, ties counting half', () => {
    // Won scores 0.9, 0.5; lost 0.5, 0.1: pairs (0.9>0.5) (0.9>0.1) (0.5=0.5 half) (0.5>0.1) = 3.5 / 4
    expect(auc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0])).toBeCloseTo(0.875, 12)
    expect(auc([0.3, 0.3, 0.3], [1, 0, 1])).toBe(0.5)
    expect(auc([0.1, 0.2], [1, 1])).toBe(0.5)
  })

  it('gives a reproducible bootstrap interval around the AUC', () => {
    const scores = Array.from({ length: 400 }, (_, i) => (i % 7) / 7)
    const labels = scores.map((s, i) => ((s * 13 + i) % 3 === 0 ? 1 : 0))
    const a = bootstrapAuc(scores, labels, { seed: 5 })
    expect(a).toEqual(bootstrapAuc(scores, labels, { seed: 5 }))
    expect(a.low).toBeLessThanOrEqual(a.auc)
    expect(a.high).toBeGreaterThanOrEqual(a.auc)
    expect(a.high - a.low).toBeGreaterThan(0.02)
  })

  it('computes Brier, log loss, accuracy and a reliability table by decile', () => {
    expect(brierScore([0.8, 0.2], [1, 0])).toBeCloseTo(0.04, 12)
    expect(logLoss([0.5, 0.5], [1, 0])).toBeCloseTo(Math.log(2), 12)
    expect(accuracy([0.7, 0.4, 0.6], [1, 0, 0])).toBeCloseTo(2 / 3, 12)
    const p = Array.from({ length: 100 }, (_, i) => i / 100)
    const y = p.map((x) => (x >= 0.5 ? 1 : 0))
    const table = reliabilityTable(p, y)
    expect(table).toHaveLength(10)
    expect(table[0]).toMatchObject({ decile: 1, n: 10, observedRate: 0 })
    expect(table[0]?.meanPredicted).toBeCloseTo(0.045, 12)
    expect(table[9]).toMatchObject({ decile: 10, n: 10, observedRate: 1 })
  })

  it('keeps deals with the same prediction in one reliability row, so their order cannot fake a pattern', () => {
    // One prediction for all 100 deals; outcomes sorted so that splitting them by position would
    // show observed rates from 0% to 100% against the same 30% predicted.
    const flat = Array.from({ length: 100 }, () => 0.3)
    const sortedOutcomes = flat.map((_, i) => (i >= 70 ? 1 : 0))
    const one = reliabilityTable(flat, sortedOutcomes)
    expect(one).toHaveLength(1)
    expect(one[0]).toMatchObject({ decile: 1, n: 100, observedRate: 0.3 })
    expect(one[0]?.meanPredicted).toBeCloseTo(0.3, 12)
    // Three leaves (40, 25 and 35 deals): one row each, never a leaf cut in two.
    const p = [...Array(40).fill(0.2), ...Array(25).fill(0.35), ...Array(35).fill(0.5)]
    const y = p.map((x, i) => (i % 10 < x * 10 ? 1 : 0))
    const table = reliabilityTable(p, y)
    expect(table.map((b) => [b.n, Number(b.meanPredicted.toFixed(12))])).toEqual([
      [40, 0.2],
      [25, 0.35],
      [35, 0.5],
    ])
    expect(table.map((b) => b.decile)).toEqual([1, 2, 3])
  })
})

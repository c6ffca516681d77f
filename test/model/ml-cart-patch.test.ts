/// <reference path="../../types/ml-cart.d.ts" />
import { DecisionTreeClassifier, type TreeNodeJson } from 'ml-cart'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/domain/seeded-random.js'
import { splitSearchInUse } from '../../src/model/win-rate-driver-engine.js'

// The tree as data, without the option that selects the search (it is copied onto every node).
function plain(node: TreeNodeJson): unknown {
  const { splitSearch: _ignored, left, right, ...rest } = JSON.parse(JSON.stringify(node)) as TreeNodeJson
  return { ...rest, ...(left ? { left: plain(left) } : {}), ...(right ? { right: plain(right) } : {}) }
}

function randomSet(random: () => number, n: number, features: number, classes: number) {
  const X: number[][] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    // Few distinct values (ties, repeated thresholds), a continuous column, and a signal on column 0.
    const row = Array.from({ length: features }, (_, j) => (j % 2 === 0 ? Math.floor(random() * 6) : Math.round(random() * 1000) / 10))
    X.push(row)
    const p = 0.25 + 0.08 * (row[0] as number)
    y.push(random() < p ? 1 : classes > 2 && random() < 0.3 ? 2 : 0)
  }
  return { X, y }
}

describe('ml-cart grouped split search (patches/ml-cart+2.1.1.patch)', () => {
  it('grows exactly the tree of the original candidate-by-candidate search', () => {
    const random = seededRandom(11)
    for (let trial = 0; trial < 60; trial++) {
      const { X, y } = randomSet(random, 20 + Math.floor(random() * 200), 1 + Math.floor(random() * 4), trial % 4 === 0 ? 3 : 2)
      const options = {
        maxDepth: 1 + Math.floor(random() * 6),
        minNumSamples: Math.floor(random() * 8),
        gainThreshold: trial % 2 === 0 ? 0 : 0.01,
      }
      const naive = new DecisionTreeClassifier({ ...options, splitSearch: 'naive' })
      naive.train(X, y)
      const grouped = new DecisionTreeClassifier(options)
      grouped.train(X, y)
      expect(plain(grouped.toJSON().root)).toEqual(plain(naive.toJSON().root))
    }
  })

  it('is the search in use by default and is much faster on repeated values', () => {
    expect(splitSearchInUse()).toBe('grouped')
    const random = seededRandom(3)
    const { X, y } = randomSet(random, 1500, 6, 2)
    const t0 = performance.now()
    const grouped = new DecisionTreeClassifier({ maxDepth: 4, minNumSamples: 20, gainThreshold: 0 })
    grouped.train(
      X.map((r) => r.map((v) => Math.round(v))),
      y,
    )
    const groupedMs = performance.now() - t0
    const t1 = performance.now()
    const naive = new DecisionTreeClassifier({ maxDepth: 4, minNumSamples: 20, gainThreshold: 0, splitSearch: 'naive' })
    naive.train(
      X.map((r) => r.map((v) => Math.round(v))),
      y,
    )
    const naiveMs = performance.now() - t1
    expect(plain(grouped.toJSON().root)).toEqual(plain(naive.toJSON().root))
    expect(groupedMs * 5).toBeLessThan(naiveMs)
  })
})

/// <reference path="../../types/ml-cart.d.ts" />
import type { TreeNodeJson } from 'ml-cart'
import { describe, expect, it } from 'vitest'
import { countNodes, flattenTree, leafOf, smoothedNodeRates } from '../../src/model/flat-tree.js'

// Root splits column 0 at 5; its right child splits column 1 at 2 (left: a tiny leaf).
const tree: TreeNodeJson = {
  splitColumn: 0,
  splitValue: 5,
  gain: 0.02,
  left: { distribution: [[0.7, 0.3]] },
  right: { splitColumn: 1, splitValue: 2, gain: 0.05, left: { distribution: [[0, 1]] }, right: { distribution: [[0.5, 0.5]] } },
}

describe('flat tree and leaf smoothing', () => {
  it('routes rows as ml-cart does (left when value < threshold)', () => {
    const flat = flattenTree(tree)
    expect(Array.from(flat.column)).toEqual([0, -1, 1, -1, -1])
    expect(leafOf(flat, [4.9, 0])).toBe(1)
    expect(leafOf(flat, [5, 1])).toBe(3)
    expect(leafOf(flat, [5, 2])).toBe(4)
  })

  it('pulls a tiny leaf toward its parent and leaves a large one near its own rate', () => {
    const flat = flattenTree(tree)
    const rows: number[][] = []
    const labels: number[] = []
    const add = (row: number[], won: number, times: number) => {
      for (let i = 0; i < times; i++) {
        rows.push(row)
        labels.push(won)
      }
    }
    add([1, 0], 1, 30) // left leaf: 30 of 100 won
    add([1, 0], 0, 70)
    add([9, 0], 1, 3) // tiny leaf: 3 of 3 won
    add([9, 5], 1, 200) // large leaf: 200 of 400 won
    add([9, 5], 0, 200)
    const counts = countNodes(flat, rows, labels)
    expect(Array.from(counts.n)).toEqual([503, 100, 403, 3, 400])
    const p = smoothedNodeRates(flat, counts, 20)
    const parent = p[2] as number
    // raw rate of the tiny leaf is 100%; smoothed it is (3 + 20 x parent) / 23
    expect(p[3]).toBeCloseTo((3 + 20 * parent) / 23, 12)
    expect(p[3] as number).toBeLessThan(0.6)
    expect(Math.abs((p[3] as number) - parent)).toBeLessThan(Math.abs(1 - parent))
    expect(p[4]).toBeCloseTo((200 + 20 * parent) / 420, 12)
    expect(Math.abs((p[4] as number) - 0.5)).toBeLessThan(0.01)
  })
})

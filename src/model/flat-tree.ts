import type { TreeNodeJson } from 'ml-cart'

/**
 * An ml-cart tree as flat arrays in pre-order (node 0 is the root), for fast routing and for the
 * per-node training counts ml-cart does not keep. A row goes left when
 * `row[column] < threshold`, as in ml-cart. `column` is -1 at a leaf.
 */
export interface FlatTree {
  column: Int32Array
  threshold: Float64Array
  left: Int32Array
  right: Int32Array
  parent: Int32Array
  depth: Int32Array
  /** ml-cart's gini gain of the split (0 at a leaf). */
  gain: Float64Array
}

/** Flattens a (trained or loaded) ml-cart root node. */
export function flattenTree(root: TreeNodeJson): FlatTree {
  const nodes: Array<{ node: TreeNodeJson; parent: number; depth: number; left: number; right: number }> = []
  const visit = (node: TreeNodeJson, parent: number, depth: number): number => {
    const id = nodes.length
    const entry = { node, parent, depth, left: -1, right: -1 }
    nodes.push(entry)
    if (isSplit(node)) {
      entry.left = visit(node.left as TreeNodeJson, id, depth + 1)
      entry.right = visit(node.right as TreeNodeJson, id, depth + 1)
    }
    return id
  }
  visit(root, -1, 0)
  const n = nodes.length
  const tree: FlatTree = {
    column: new Int32Array(n),
    threshold: new Float64Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    parent: new Int32Array(n),
    depth: new Int32Array(n),
    gain: new Float64Array(n),
  }
  nodes.forEach((e, i) => {
    const split = e.left >= 0
    tree.column[i] = split ? (e.node.splitColumn as number) : -1
    tree.threshold[i] = split ? (e.node.splitValue as number) : 0
    tree.left[i] = e.left
    tree.right[i] = e.right
    tree.parent[i] = e.parent
    tree.depth[i] = e.depth
    tree.gain[i] = split ? Number(e.node.gain ?? 0) : 0
  })
  return tree
}

/** The node ids from the root to the leaf that `row` reaches. */
export function pathOf(tree: FlatTree, row: ArrayLike<number>): number[] {
  const path = [0]
  let k = 0
  while ((tree.column[k] as number) >= 0) {
    k = (row[tree.column[k] as number] as number) < (tree.threshold[k] as number) ? (tree.left[k] as number) : (tree.right[k] as number)
    path.push(k)
  }
  return path
}

/** The leaf `row` reaches. */
export function leafOf(tree: FlatTree, row: ArrayLike<number>): number {
  let k = 0
  while ((tree.column[k] as number) >= 0) {
    k = (row[tree.column[k] as number] as number) < (tree.threshold[k] as number) ? (tree.left[k] as number) : (tree.right[k] as number)
  }
  return k
}

/** Training rows and wins that passed through each node. */
export interface NodeCounts {
  n: Float64Array
  won: Float64Array
}

/** Counts the rows (and wins, `labels[i]` 1 = won) that pass through every node. */
export function countNodes(tree: FlatTree, rows: readonly ArrayLike<number>[], labels: ArrayLike<number>): NodeCounts {
  const n = new Float64Array(tree.column.length)
  const won = new Float64Array(tree.column.length)
  rows.forEach((row, i) => {
    const y = labels[i] as number
    let k = 0
    for (;;) {
      n[k] = (n[k] as number) + 1
      won[k] = (won[k] as number) + y
      const column = tree.column[k] as number
      if (column < 0) break
      k = (row[column] as number) < (tree.threshold[k] as number) ? (tree.left[k] as number) : (tree.right[k] as number)
    }
  })
  return { n, won }
}

/**
 * Each node's win rate smoothed toward its parent's smoothed rate:
 * p(node) = (won + m x p(parent)) / (n + m), p(root) = won / n. A 3-deal leaf that won all three
 * stays near its parent's rate; a 500-deal leaf keeps close to its own.
 */
export function smoothedNodeRates(tree: FlatTree, counts: NodeCounts, m: number): Float64Array {
  const p = new Float64Array(tree.column.length)
  for (let k = 0; k < p.length; k++) {
    const n = counts.n[k] as number
    const won = counts.won[k] as number
    const parent = tree.parent[k] as number
    if (parent < 0) p[k] = n === 0 ? 0 : won / n
    else p[k] = (won + m * (p[parent] as number)) / (n + m)
  }
  return p
}

function isSplit(node: TreeNodeJson): boolean {
  return (
    typeof node.left === 'object' &&
    node.left !== null &&
    typeof node.right === 'object' &&
    node.right !== null &&
    node.splitColumn !== undefined
  )
}

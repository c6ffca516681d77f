import { seededRandom } from '../domain/seeded-random.js'

/** One decile of predicted probability on the test deals: what was predicted and what happened. */
export interface ReliabilityBin {
  /** Row number: 1 for the lowest predictions, up to 10 (fewer rows when predictions tie, see {@link reliabilityTable}). */
  decile: number
  n: number
  meanPredicted: number
  observedRate: number
}

/**
 * Area under the ROC curve: the chance that a random won deal scores above a random lost one
 * (ties count half). 0.5 when either class is missing.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { pos, neg } = groupByScore(scores, labels)
  return aucFromGroups(pos, neg)
}

/**
 * AUC with a percentile bootstrap interval (resampling the deals `reps` times with a fixed seed, so
 * the interval is reproducible). Deals are grouped by distinct score first, so each resample costs
 * O(n) even for large test sets.
 */
export function bootstrapAuc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { reps?: number; seed?: number; level?: number } = {},
): { auc: number; low: number; high: number } {
  const reps = options.reps ?? 1000
  const level = options.level ?? 0.95
  const { values, pos, neg, groupOf } = groupByScore(scores, labels)
  const point = aucFromGroups(pos, neg)
  const n = groupOf.length
  if (n === 0) return { auc: point, low: point, high: point }
  const random = seededRandom(options.seed ?? 20240720)
  const bPos = new Float64Array(values.length)
  const bNeg = new Float64Array(values.length)
  const results: number[] = []
  for (let r = 0; r < reps; r++) {
    bPos.fill(0)
    bNeg.fill(0)
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * n)
      const g = groupOf[k] as number
      if ((labels[k] as number) === 1) bPos[g] = (bPos[g] as number) + 1
      else bNeg[g] = (bNeg[g] as number) + 1
    }
    results.push(aucFromGroups(bPos, bNeg))
  }
  results.sort((a, b) => a - b)
  const tail = (1 - level) / 2
  return { auc: point, low: quantileSorted(results, tail), high: quantileSorted(results, 1 - tail) }
}

/** Mean squared difference between predicted probability and outcome (0 or 1). */
export function brierScore(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < p.length; i++) s += ((p[i] as number) - (y[i] as number)) ** 2
  return p.length === 0 ? 0 : s / p.length
}

/** Mean negative log-likelihood, probabilities clipped to [1e-6, 1 - 1e-6]. */
export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-6, Math.max(1e-6, p[i] as number))
    s -= (y[i] as number) === 1 ? Math.log(q) : Math.log(1 - q)
  }
  return p.length === 0 ? 0 : s / p.length
}

/** Share of deals whose outcome matches the prediction "won" when p >= 0.5. */
export function accuracy(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let hit = 0
  for (let i = 0; i < p.length; i++) if (((p[i] as number) >= 0.5 ? 1 : 0) === (y[i] as number)) hit++
  return p.length === 0 ? 0 : hit / p.length
}

/**
 * Predicted vs observed by decile of prediction: deals sorted by p and cut into `bins` groups of
 * (nearly) equal size, each cut moved to the nearest change of prediction, so deals with the same
 * prediction (a tree leaf) are never split between rows: splitting them would show different
 * observed rates for one prediction, an artefact of the order they happened to be in. A model with
 * few distinct predictions gets fewer rows (one for a constant model); rows are numbered 1, 2, ...
 * from the lowest predictions.
 */
export function reliabilityTable(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => (p[a] as number) - (p[b] as number))
  // Positions in `order` where the prediction changes, plus both ends.
  const changes = [0]
  for (let k = 1; k < order.length; k++) if ((p[order[k] as number] as number) !== (p[order[k - 1] as number] as number)) changes.push(k)
  changes.push(order.length)
  const cuts = new Set<number>([0, order.length])
  for (let b = 1; b < bins; b++) {
    const target = Math.floor((b * order.length) / bins)
    let nearest = 0
    for (const c of changes) if (Math.abs(c - target) < Math.abs(nearest - target)) nearest = c
    cuts.add(nearest)
  }
  const edges = [...cuts].sort((a, b) => a - b)
  const out: ReliabilityBin[] = []
  for (let b = 0; b + 1 < edges.length; b++) {
    const from = edges[b] as number
    const to = edges[b + 1] as number
    if (to <= from) continue
    let sp = 0
    let sy = 0
    for (let k = from; k < to; k++) {
      const i = order[k] as number
      sp += p[i] as number
      sy += y[i] as number
    }
    out.push({ decile: out.length + 1, n: to - from, meanPredicted: sp / (to - from), observedRate: sy / (to - from) })
  }
  return out
}

function groupByScore(scores: ArrayLike<number>, labels: ArrayLike<number>) {
  const values = [...new Set(Array.from(scores))].sort((a, b) => a - b)
  const index = new Map(values.map((v, i) => [v, i]))
  const pos = new Float64Array(values.length)
  const neg = new Float64Array(values.length)
  const groupOf = new Int32Array(scores.length)
  for (let i = 0; i < scores.length; i++) {
    const g = index.get(scores[i] as number) as number
    groupOf[i] = g
    if ((labels[i] as number) === 1) pos[g] = (pos[g] as number) + 1
    else neg[g] = (neg[g] as number) + 1
  }
  return { values, pos, neg, groupOf }
}

// Groups in ascending score order: each won deal beats every lost deal of a lower group, ties count half.
function aucFromGroups(pos: Float64Array, neg: Float64Array): number {
  let negBelow = 0
  let pairs = 0
  let totalPos = 0
  for (let g = 0; g < pos.length; g++) {
    const p = pos[g] as number
    const n = neg[g] as number
    pairs += p * (negBelow + n / 2)
    negBelow += n
    totalPos += p
  }
  const denom = totalPos * negBelow
  return denom === 0 ? 0.5 : pairs / denom
}

function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const pos = q * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (pos - lo)
}

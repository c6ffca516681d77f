import { AMOUNT_BAND_EDGES } from '../domain/amount-band.js'
import type { ModelDeal } from './model-deal.js'
import { type OwnerWinHistory, smoothedRate } from './owner-win-history.js'

/**
 * The tree's features: facts fixed when a deal is created, so they are the same at every moment
 * of its life and cannot carry its outcome (docs/model.md explains why stage, time in stage and
 * days idle go into the health score instead).
 */
export const MODEL_FEATURES = ['region', 'industry', 'product_type', 'lead_source', 'amount', 'owner_win_rate'] as const

export type ModelFeature = (typeof MODEL_FEATURES)[number]

/** A segment field, coded by the rank of its value's training win rate (lowest rate = 0). */
export interface CategoryFeature {
  name: 'region' | 'industry' | 'product_type' | 'lead_source'
  kind: 'category'
  /** Values in ascending order of smoothed training win rate; a value's code is its index. */
  values: string[]
  /** Code of a value not seen in training: between the values below and above the overall rate. */
  unknownCode: number
}

/** A number, coded by the bin it falls in: code = how many edges are <= the value. */
export interface BinnedFeature {
  name: 'amount' | 'owner_win_rate'
  kind: 'binned'
  edges: number[]
}

export type FeatureSpec = CategoryFeature | BinnedFeature

/** Everything needed to turn a deal into the tree's input row; fitted on training deals only. */
export interface FeatureEncoding {
  features: FeatureSpec[]
  /** Win rate of the training deals: the prior for owners and values with little history. */
  priorWinRate: number
  /** Pseudo-deals at the prior rate added to an owner's record (and to a value's rate for ranking). */
  smoothingDeals: number
}

const SMOOTHING_DEALS = 10
const AMOUNT_BINS = 12
const OWNER_RATE_BINS = 10

/**
 * Fits the encoding on training deals (`labels[i]` 1 = won): value ranks by win rate, quantile bin
 * edges rounded to two significant digits (amount edges also include the contract bands'
 * 10k / 50k / 100k, so reasons can speak in bands).
 */
export function fitFeatureEncoding(deals: readonly ModelDeal[], labels: ArrayLike<number>, owners: OwnerWinHistory): FeatureEncoding {
  let won = 0
  for (let i = 0; i < deals.length; i++) won += labels[i] as number
  const prior = deals.length === 0 ? 0 : won / deals.length
  const features: FeatureSpec[] = []
  for (const name of ['region', 'industry', 'product_type', 'lead_source'] as const) {
    const stats = new Map<string, { won: number; n: number }>()
    deals.forEach((d, i) => {
      const s = stats.get(d[name]) ?? { won: 0, n: 0 }
      s.won += labels[i] as number
      s.n += 1
      stats.set(d[name], s)
    })
    const ranked = [...stats.entries()]
      .map(([value, s]) => ({ value, rate: smoothedRate(s.won, s.n, prior, SMOOTHING_DEALS) }))
      .sort((a, b) => a.rate - b.rate || (a.value < b.value ? -1 : 1))
    const below = ranked.filter((r) => r.rate < prior).length
    features.push({ name, kind: 'category', values: ranked.map((r) => r.value), unknownCode: below - 0.5 })
  }
  const amounts = deals.map((d) => d.amount)
  features.push({ name: 'amount', kind: 'binned', edges: quantileEdges(amounts, AMOUNT_BINS, [...AMOUNT_BAND_EDGES]) })
  const encodingSoFar: FeatureEncoding = { features, priorWinRate: prior, smoothingDeals: SMOOTHING_DEALS }
  const ownerRates = deals.map((d) => ownerWinRate(encodingSoFar, d, owners))
  features.push({ name: 'owner_win_rate', kind: 'binned', edges: quantileEdges(ownerRates, OWNER_RATE_BINS, []) })
  return encodingSoFar
}

/** The owner's smoothed win rate over deals that closed before `deal` was created. */
export function ownerWinRate(
  encoding: FeatureEncoding,
  deal: Pick<ModelDeal, 'owner_id' | 'created_date'>,
  owners: OwnerWinHistory,
): number {
  const h = owners.before(deal.owner_id, deal.created_date)
  return smoothedRate(h.won, h.closed, encoding.priorWinRate, encoding.smoothingDeals)
}

/** The tree's input row for `deal`, one code per feature in `encoding.features` order. */
export function encodeDeal(encoding: FeatureEncoding, deal: ModelDeal, owners: OwnerWinHistory): number[] {
  return encoding.features.map((f) => {
    if (f.kind === 'category') return categoryIndex(f).get(deal[f.name]) ?? f.unknownCode
    return binOf(f.edges, f.name === 'amount' ? deal.amount : ownerWinRate(encoding, deal, owners))
  })
}

/** How many of the ascending `edges` are <= `value`. */
export function binOf(edges: readonly number[], value: number): number {
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((edges[mid] as number) <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

const indexCache = new WeakMap<CategoryFeature, Map<string, number>>()

function categoryIndex(f: CategoryFeature): Map<string, number> {
  let m = indexCache.get(f)
  if (!m) {
    m = new Map(f.values.map((v, i) => [v, i]))
    indexCache.set(f, m)
  }
  return m
}

/** Inner quantile cut points rounded to two significant digits, plus `extra` edges inside the data range. */
function quantileEdges(values: readonly number[], bins: number, extra: readonly number[]): number[] {
  if (values.length === 0) return []
  const sorted = [...values].sort((a, b) => a - b)
  const min = sorted[0] as number
  const max = sorted[sorted.length - 1] as number
  const edges = new Set<number>()
  for (let q = 1; q < bins; q++) {
    const v = roundTwoDigits(sorted[Math.floor((q * sorted.length) / bins)] as number)
    if (v > min && v <= max) edges.add(v)
  }
  for (const e of extra) if (e > min && e <= max) edges.add(e)
  return [...edges].sort((a, b) => a - b)
}

function roundTwoDigits(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 1)
  return Math.round(v / scale) * scale
}

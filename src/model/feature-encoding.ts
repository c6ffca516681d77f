import type { ScoringDeal } from '../db/model-deal.js'
import { AMOUNT_BAND_EDGES, FILTER_AMOUNT_BANDS, NO_AMOUNT_BAND } from '../domain/amount-band.js'
import { bandWords } from './deal-reasons.js'
import { type OwnerWinHistory, smoothedRate } from './owner-win-history.js'

/**
 * The tree's features: facts fixed when a deal is created, so they are the same at every moment
 * of its life and cannot carry its outcome (docs/model.md explains why stage, time in stage and
 * days idle go into the health score instead).
 */
export const MODEL_FEATURES = [
  'region',
  'industry',
  'product_type',
  'lead_source',
  'region_amount_band',
  'amount',
  'owner_win_rate',
] as const

/** A feature of the tree, named as in the drivers report where one exists. */
export type ModelFeature = (typeof MODEL_FEATURES)[number]

/** A segment field, coded by the rank of its value's training win rate (lowest rate = 0). */
export interface CategoryFeature {
  name: 'region' | 'industry' | 'product_type' | 'lead_source' | 'region_amount_band'
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

/** How one feature is coded. */
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
const AMOUNT_BINS = 16
const OWNER_RATE_BINS = 16

/** The segment fields the tree reads, in the order of {@link RawFeatures.categories}. */
export const CATEGORY_FEATURES = ['region', 'industry', 'product_type', 'lead_source', 'region_amount_band'] as const

/**
 * A deal's feature values before encoding, computed once per deal: its segment values, amount and
 * its owner's record before it was created.
 */
export interface RawFeatures {
  categories: string[]
  amount: number
  /** The CRM gave no amount (`amount` is then 0): its amount band is `Unknown`. */
  amountMissing: boolean
  ownerWon: number
  ownerClosed: number
}

/** The raw feature values of `deal` (the owner's record counts deals closed before it was created). */
export function rawFeatures(deal: ScoringDeal, owners: OwnerWinHistory): RawFeatures {
  const h = owners.before(deal.owner_id, deal.created_date)
  return {
    categories: [deal.region, deal.industry, deal.product_type, deal.lead_source, regionBandOf(deal.region, deal.amount_band)],
    amount: deal.amount,
    amountMissing: deal.amount_band === NO_AMOUNT_BAND,
    ownerWon: h.won,
    ownerClosed: h.closed,
  }
}

/**
 * Fits the encoding on training deals (`labels[i]` 1 = won): value ranks by win rate, quantile bin
 * edges rounded to two significant digits (amount edges also include the contract bands'
 * 10k / 50k / 100k, so reasons can speak in bands).
 */
export function fitFeatureEncoding(raws: readonly RawFeatures[], labels: ArrayLike<number>): FeatureEncoding {
  let won = 0
  for (let i = 0; i < raws.length; i++) won += labels[i] as number
  const prior = raws.length === 0 ? 0 : won / raws.length
  const features: FeatureSpec[] = []
  CATEGORY_FEATURES.forEach((name, c) => {
    const stats = new Map<string, { won: number; n: number }>()
    for (let i = 0; i < raws.length; i++) {
      const value = (raws[i] as RawFeatures).categories[c] as string
      let s = stats.get(value)
      if (!s) {
        s = { won: 0, n: 0 }
        stats.set(value, s)
      }
      s.won += labels[i] as number
      s.n += 1
    }
    const ranked = [...stats.entries()]
      .map(([value, s]) => ({ value, rate: smoothedRate(s.won, s.n, prior, SMOOTHING_DEALS) }))
      .sort((a, b) => a.rate - b.rate || (a.value < b.value ? -1 : 1))
    const below = ranked.filter((r) => r.rate < prior).length
    features.push({ name, kind: 'category', values: ranked.map((r) => r.value), unknownCode: below - 0.5 })
  })
  features.push({
    name: 'amount',
    kind: 'binned',
    edges: quantileEdges(
      raws.map((r) => r.amount),
      AMOUNT_BINS,
      [...AMOUNT_BAND_EDGES],
    ),
  })
  const ownerRates = raws.map((r) => smoothedRate(r.ownerWon, r.ownerClosed, prior, SMOOTHING_DEALS))
  features.push({ name: 'owner_win_rate', kind: 'binned', edges: quantileEdges(ownerRates, OWNER_RATE_BINS, []) })
  return { features, priorWinRate: prior, smoothingDeals: SMOOTHING_DEALS }
}

/** The tree's input row for raw values, one code per feature in `encoding.features` order. */
export function encodeRaw(encoding: FeatureEncoding, raw: RawFeatures): number[] {
  const row = new Array<number>(encoding.features.length)
  encoding.features.forEach((f, i) => {
    if (f.kind === 'category') {
      row[i] = categoryIndex(f).get(raw.categories[CATEGORY_FEATURES.indexOf(f.name)] as string) ?? f.unknownCode
    } else {
      const value =
        f.name === 'amount' ? raw.amount : smoothedRate(raw.ownerWon, raw.ownerClosed, encoding.priorWinRate, encoding.smoothingDeals)
      row[i] = binOf(f.edges, value)
    }
  })
  return row
}

/**
 * The inputs of `raw` with no history behind them, by column of `encoding.features`: segment values
 * that no training deal had (a new lead source, a new region), with the value, and the owner's win
 * rate of an owner with no closed deals before the deal and the amount of a deal the CRM gave
 * none (an empty string each); null when there are none. The tree places such an input with one
 * side of a split (a new owner at the overall rate, no amount as 0), so words naming that side's
 * values or rates would not describe the deal.
 */
export function unseenValues(encoding: FeatureEncoding, raw: RawFeatures): Map<number, string> | null {
  const out = new Map<number, string>()
  encoding.features.forEach((f, i) => {
    if (f.kind !== 'category') {
      if (f.name === 'owner_win_rate' && raw.ownerClosed === 0) out.set(i, '')
      if (f.name === 'amount' && raw.amountMissing) out.set(i, '')
      return
    }
    const value = raw.categories[CATEGORY_FEATURES.indexOf(f.name)] as string
    if (!categoryIndex(f).has(value)) out.set(i, value)
  })
  return out.size === 0 ? null : out
}

const regionBands = new Map<string, string[]>()

/**
 * The `region_amount_band` value of a deal's region and stored amount band: "EMEA, $50k-100k",
 * "EMEA, no amount" (strings reused, since scoring makes many).
 */
export function regionBandOf(region: string, band: string): string {
  let byBand = regionBands.get(region)
  if (!byBand) {
    byBand = FILTER_AMOUNT_BANDS.map((b) => `${region}, ${bandWords(b)}`)
    if (regionBands.size < 10_000) regionBands.set(region, byBand)
  }
  return byBand[FILTER_AMOUNT_BANDS.indexOf(band)] ?? `${region}, ${bandWords(band)}`
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

import type { ModelDeal } from '../db/model-deal.js'
import { regionBandOf } from './feature-encoding.js'

/** Won and closed counts of one segment. */
export interface SegmentCount {
  won: number
  n: number
}

/** Win rates of closed deals by region x amount band, by region, and overall. */
export interface SegmentRates {
  overall: SegmentCount
  byRegion: Record<string, SegmentCount>
  /** Keyed by "EMEA, $50k-100k". */
  byRegionBand: Record<string, SegmentCount>
}

/** The base rate a deal is shown when the model is not informative, with the words for it. */
export interface SegmentRate extends SegmentCount {
  rate: number
  /** "EMEA, $50k-100k", "EMEA" or "All closed deals". */
  label: string
}

/** A segment needs this many closed deals before its own rate is shown; otherwise a wider one is. */
export const MIN_SEGMENT_DEALS = 30

/** Counts closed deals (`labels[i]` 1 = won) by region x amount band and by region. */
export function fitSegmentRates(deals: readonly ModelDeal[], labels: ArrayLike<number>): SegmentRates {
  const overall: SegmentCount = { won: 0, n: 0 }
  const byRegion = new Map<string, SegmentCount>()
  const byRegionBand = new Map<string, SegmentCount>()
  const add = (m: Map<string, SegmentCount>, key: string, won: number) => {
    let c = m.get(key)
    if (!c) {
      c = { won: 0, n: 0 }
      m.set(key, c)
    }
    c.won += won
    c.n += 1
  }
  for (let i = 0; i < deals.length; i++) {
    const d = deals[i] as ModelDeal
    const won = labels[i] as number
    overall.won += won
    overall.n += 1
    add(byRegion, d.region, won)
    add(byRegionBand, regionBandOf(d.region, d.amount_band), won)
  }
  return { overall, byRegion: Object.fromEntries(byRegion), byRegionBand: Object.fromEntries(byRegionBand) }
}

/**
 * The narrowest segment of `deal` with at least {@link MIN_SEGMENT_DEALS} closed deals:
 * region x amount band, else region, else all closed deals. With `byAmount: false` (the amount
 * is suspected of being filled in at close) the amount band is skipped.
 */
export function segmentRateFor(
  rates: SegmentRates,
  deal: Pick<ModelDeal, 'region' | 'amount_band'>,
  options: { byAmount?: boolean } = {},
): SegmentRate {
  const segment = regionBandOf(deal.region, deal.amount_band)
  const both = options.byAmount === false ? undefined : rates.byRegionBand[segment]
  if (both && both.n >= MIN_SEGMENT_DEALS) return { ...both, rate: both.won / both.n, label: segment }
  const region = rates.byRegion[deal.region]
  if (region && region.n >= MIN_SEGMENT_DEALS) return { ...region, rate: region.won / region.n, label: deal.region }
  const all = rates.overall
  return { ...all, rate: all.n === 0 ? 0 : all.won / all.n, label: 'All closed deals' }
}

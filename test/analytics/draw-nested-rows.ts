import type { SegmentFieldName } from '../../src/db/deal-scope.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { createPrng } from '../../src/sample/create-prng.js'

const REGIONS = ['North America', 'EMEA', 'APAC', 'LATAM']
const BANDS = ['<10k', '10k-50k', '50k-100k', '100k+']
const PRODUCTS = ['Core', 'Pro', 'Enterprise']
const FIELDS: SegmentFieldName[] = ['region', 'sales_rep_id', 'amount_band', 'product_type']
/** The fields and pairs `report drivers` reads first (its single fields and driver pairs). */
const DRIVER_SETS: SegmentFieldName[][] = [
  ['region'],
  ['sales_rep_id'],
  ['amount_band'],
  ['product_type'],
  ['region', 'amount_band'],
  ['region', 'product_type'],
]

/** Extra log-odds on every deal of `region`, of `rep`, and of `pairs` (region x amount band cells). */
export interface NestedEffects {
  region?: Record<string, number>
  rep?: Record<string, number>
  pairs?: Array<{ region: string; band: string; effect: number }>
  /** Reps per region (default 6); a region listed in `oneRep` has a single rep. */
  repsPerRegion?: number
  oneRep?: readonly string[]
}

/**
 * Closed deals drawn one by one (seeded) from a company whose reps each sell in one region (rep_01
 * to rep_06 in North America, rep_07 to rep_12 in EMEA, ...), with only the planted effects: the
 * drivers' rows (`rows`) and every other two-field count of region, rep, amount band and product
 * (`crossTabs`), as `loadDriversReport` reads them.
 */
export function drawNestedRows(
  seed: number,
  deals: number,
  effects: NestedEffects = {},
): { rows: SegmentOutcomeRow[]; crossTabs: SegmentOutcomeRow[] } {
  const r = createPrng(seed)
  const per = effects.repsPerRegion ?? 6
  let next = 1
  const reps = new Map<string, string[]>()
  for (const region of REGIONS) {
    const count = effects.oneRep?.includes(region) ? 1 : per
    reps.set(
      region,
      Array.from({ length: count }, () => `rep_${String(next++).padStart(2, '0')}`),
    )
  }
  const pairSets: SegmentFieldName[][] = []
  for (let i = 0; i < FIELDS.length; i++)
    for (let j = i + 1; j < FIELDS.length; j++) {
      const set = [FIELDS[i], FIELDS[j]] as SegmentFieldName[]
      if (!DRIVER_SETS.some((d) => d.join() === set.join())) pairSets.push(set)
    }
  const rows = new Map<string, SegmentOutcomeRow>()
  const cross = new Map<string, SegmentOutcomeRow>()
  for (let i = 0; i < deals; i++) {
    const region = r.pick(REGIONS)
    const deal: Record<string, string> = {
      region,
      sales_rep_id: r.pick(reps.get(region) as string[]),
      amount_band: r.pick(BANDS),
      product_type: r.pick(PRODUCTS),
    }
    let logit = -0.6 + (effects.region?.[region] ?? 0) + (effects.rep?.[deal.sales_rep_id as string] ?? 0)
    for (const p of effects.pairs ?? []) if (p.region === region && p.band === deal.amount_band) logit += p.effect
    const won = r.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0
    for (const [sets, into] of [
      [DRIVER_SETS, rows],
      [pairSets, cross],
    ] as const) {
      for (const fields of sets) {
        const values = fields.map((f) => deal[f] as string)
        const key = `${fields.join('|')}\u0000${values.join('|')}`
        const row = into.get(key) ?? { fields, values, won: 0, n: 0 }
        row.n += 1
        row.won += won
        into.set(key, row)
      }
    }
  }
  return { rows: [...rows.values()], crossTabs: [...cross.values()] }
}

import type { SegmentFieldName } from '../../src/db/deal-scope.js'
import type { SegmentOutcomeRow } from '../../src/db/find-segment-outcomes.js'
import { createPrng } from '../../src/sample/create-prng.js'

const REGIONS = ['North America', 'EMEA', 'APAC', 'LATAM']
const BANDS = ['<10k', '10k-50k', '50k-100k', '100k+']
const PRODUCTS = ['Core', 'Pro', 'Enterprise']
const SETS: SegmentFieldName[][] = [['region'], ['amount_band'], ['product_type'], ['region', 'amount_band'], ['region', 'product_type']]

/** Extra log-odds: `emea` on every EMEA deal, `pair` on EMEA's $50k-100k deals only; `broad` scales the broad effects (default 1, 0: none). */
export interface PlantedEffects {
  emea?: number
  pair?: number
  broad?: number
}

/**
 * The drivers' segment rows of `deals` closed deals drawn one by one (seeded) from a company where
 * region, amount band and product each move the win rate for every deal (APAC and small deals win
 * more, LATAM, 100k+ and Enterprise less), EMEA wins at the base rate and no pair adds anything
 * to its parts, unless `effects` plants an EMEA-wide or an EMEA x $50k-100k effect.
 */
export function drawSegmentRows(seed: number, deals: number, effects: PlantedEffects = {}): SegmentOutcomeRow[] {
  const r = createPrng(seed)
  const by = new Map<string, SegmentOutcomeRow>()
  for (let i = 0; i < deals; i++) {
    const deal: Record<string, string> = { region: r.pick(REGIONS), amount_band: r.pick(BANDS), product_type: r.pick(PRODUCTS) }
    const broad = effects.broad ?? 1
    let logit = -0.6
    logit += broad * (deal.region === 'APAC' ? 0.3 : deal.region === 'LATAM' ? -0.3 : 0)
    logit += broad * (deal.amount_band === '100k+' ? -0.5 : deal.amount_band === '<10k' ? 0.3 : 0)
    logit += broad * (deal.product_type === 'Enterprise' ? -0.4 : deal.product_type === 'Core' ? 0.25 : 0)
    if (deal.region === 'EMEA') logit += effects.emea ?? 0
    if (deal.region === 'EMEA' && deal.amount_band === '50k-100k') logit += effects.pair ?? 0
    const won = r.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0
    for (const fields of SETS) {
      const values = fields.map((f) => deal[f] as string)
      const key = `${fields.join('|')}\u0000${values.join('|')}`
      const row = by.get(key) ?? { fields, values, won: 0, n: 0 }
      row.n += 1
      row.won += won
      by.set(key, row)
    }
  }
  return [...by.values()]
}

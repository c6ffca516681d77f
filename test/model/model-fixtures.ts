import type { ModelDeal, OwnerCloseCount } from '../../src/db/model-deal.js'
import { amountBand } from '../../src/domain/amount-band.js'
import { addDays } from '../../src/domain/dates.js'
import { seededRandom } from '../../src/domain/seeded-random.js'

/** The "as of" date of every fixture. */
export const FIXTURE_AS_OF = '2024-07-20'

const REGIONS = ['North America', 'EMEA', 'APAC', 'LATAM']
const LEADS = ['Inbound', 'Outbound', 'Referral', 'Partner']
const PRODUCTS = ['Core', 'Pro', 'Enterprise']
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation']

/**
 * Deals created over 600 days before {@link FIXTURE_AS_OF}. With `signal`, the lead source plants a
 * known effect (Referral wins 60%, Outbound 12%, the others 35%); without it every deal wins 30%.
 * Closed deals are touched the day before they close (never stale); open deals were touched 0-29 days ago.
 */
export function syntheticDeals(options: { n: number; seed: number; signal: boolean }): ModelDeal[] {
  const random = seededRandom(options.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
  const deals: ModelDeal[] = []
  for (let i = 0; i < options.n; i++) {
    const lead = pick(LEADS)
    const p = options.signal ? (lead === 'Referral' ? 0.6 : lead === 'Outbound' ? 0.12 : 0.35) : 0.3
    const won = random() < p
    const created = addDays(FIXTURE_AS_OF, -600 + Math.floor(random() * 600))
    const cycle = 10 + Math.floor(random() * 80)
    const closed = addDays(created, cycle)
    const open = closed > FIXTURE_AS_OF
    const stage = pick(STAGES)
    const amount = Math.round(2000 + random() * 150_000)
    deals.push({
      deal_id: `F${String(i).padStart(5, '0')}`,
      deal_name: null,
      owner_id: `rep_${i % 10}`,
      owner_email: `rep${i % 10}@acme.test`,
      created_date: created,
      closed_date: open ? null : closed,
      outcome: open ? 'open' : won ? 'won' : 'lost',
      stage: open ? stage : won ? 'Closed' : stage,
      stage_entered_date: open ? addDays(created, Math.floor(cycle / 3)) : null,
      lost_at_stage: open || won ? null : stage,
      amount,
      amount_band: amountBand(amount),
      industry: pick(['SaaS', 'FinTech', 'HealthTech']),
      region: pick(REGIONS),
      product_type: pick(PRODUCTS),
      lead_source: lead,
      sales_cycle_days: open ? null : cycle,
      last_activity_date: open ? addDays(FIXTURE_AS_OF, -Math.floor(random() * 30)) : addDays(closed, -1),
      updated_date: open ? null : closed,
    })
  }
  return deals
}

/** Per-owner, per-day close counts of `deals` (what `findOwnerCloseCounts` returns from a store). */
export function ownerClosesOf(deals: readonly ModelDeal[]): OwnerCloseCount[] {
  const m = new Map<string, OwnerCloseCount>()
  for (const d of deals) {
    if (d.outcome === 'open' || d.closed_date === null) continue
    const key = `${d.owner_id}|${d.closed_date}`
    const c = m.get(key) ?? { owner_id: d.owner_id, closed_date: d.closed_date, won: 0, lost: 0 }
    if (d.outcome === 'won') c.won++
    else c.lost++
    m.set(key, c)
  }
  return [...m.values()]
}

/** `deals` as an import CSV (contract columns). */
export function dealsCsv(deals: readonly ModelDeal[]): string {
  const header =
    'deal_id,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,sales_cycle_days,outcome,last_activity_date,updated_date,stage_entered_date'
  const rows = deals.map((d) =>
    [
      d.deal_id,
      d.created_date,
      d.closed_date ?? '',
      d.owner_id,
      d.owner_email ?? '',
      d.industry,
      d.region,
      d.product_type,
      d.lead_source,
      d.outcome === 'lost' ? (d.lost_at_stage ?? d.stage) : d.stage,
      d.amount,
      d.sales_cycle_days ?? '',
      d.outcome === 'open' ? 'Open' : d.outcome === 'won' ? 'Won' : 'Lost',
      d.last_activity_date ?? '',
      d.updated_date ?? '',
      d.stage_entered_date ?? '',
    ].join(','),
  )
  return `${header}\n${rows.join('\n')}\n`
}

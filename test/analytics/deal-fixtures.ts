import type { Store } from '../../src/db/open-store.js'
import type { NewDeal } from '../../src/db/schema.js'
import { amountBand } from '../../src/domain/amount-band.js'

/** The fields a fixture deal usually sets; everything else gets a plain default. */
export type FixtureDeal = Partial<NewDeal> & { deal_id: string }

/** Inserts fixture deals straight into `deals` (derived month and band columns filled in). */
export async function insertDeals(store: Store, deals: readonly FixtureDeal[]): Promise<void> {
  const rows: NewDeal[] = deals.map((d) => {
    const created = d.created_date ?? '2024-01-01'
    const closed = d.closed_date ?? null
    const outcome = d.outcome ?? (closed === null ? 'open' : 'won')
    const amount = d.amount ?? 20_000
    return {
      source: 'csv',
      deal_name: null,
      owner_id: 'rep_1',
      owner_email: 'rep1@acme.example',
      stage: outcome === 'won' ? 'Closed' : 'Qualified',
      stage_entered_date: null,
      lost_at_stage: null,
      currency: null,
      industry: 'SaaS',
      region: 'EMEA',
      product_type: 'Core',
      lead_source: 'Inbound',
      sales_cycle_days: null,
      last_activity_date: null,
      updated_date: null,
      archived: 0,
      crm_url: null,
      extra: null,
      import_run_id: null,
      ...d,
      created_date: created,
      created_month: created.slice(0, 7),
      closed_date: closed,
      closed_month: closed === null ? null : closed.slice(0, 7),
      outcome,
      amount,
      amount_band: amountBand(amount),
    }
  })
  for (let i = 0; i < rows.length; i += 500)
    await store.db
      .insertInto('deals')
      .values(rows.slice(i, i + 500))
      .execute()
}

/** `count` closed deals in `month` (`YYYY-MM`), the first `won` of them won, closing on day `day`. */
export function closedDeals(
  prefix: string,
  month: string,
  won: number,
  lost: number,
  extra: Partial<NewDeal> = {},
  day = '15',
): FixtureDeal[] {
  const out: FixtureDeal[] = []
  for (let i = 0; i < won + lost; i++) {
    out.push({
      deal_id: `${prefix}-${month}-${i}`,
      created_date: `${month}-01`,
      closed_date: `${month}-${day}`,
      outcome: i < won ? 'won' : 'lost',
      stage: i < won ? 'Closed' : 'Negotiation',
      ...extra,
    })
  }
  return out
}

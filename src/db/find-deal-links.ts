import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** The parts of a deal a Slack message links and names. */
export interface DealLink {
  readonly dealId: string
  readonly dealName: string | null
  readonly ownerId: string
  readonly ownerEmail: string | null
  readonly currency: string | null
  readonly crmUrl: string | null
}

/** Name, owner, currency and CRM URL of the given deals (by primary key, in chunks), keyed by id. */
export async function findDealLinks(db: Kysely<Database>, dealIds: readonly string[]): Promise<Map<string, DealLink>> {
  const out = new Map<string, DealLink>()
  for (let i = 0; i < dealIds.length; i += 500) {
    const rows = await db
      .selectFrom('deals')
      .select(['deal_id', 'deal_name', 'owner_id', 'owner_email', 'currency', 'crm_url'])
      .where('deal_id', 'in', dealIds.slice(i, i + 500))
      .execute()
    for (const r of rows) {
      out.set(r.deal_id, {
        dealId: r.deal_id,
        dealName: r.deal_name,
        ownerId: r.owner_id,
        ownerEmail: r.owner_email,
        currency: r.currency,
        crmUrl: r.crm_url,
      })
    }
  }
  return out
}

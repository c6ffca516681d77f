import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Of `dealIds`, the deals still open and not archived (deleted in the CRM), each with its owner's
 * email now, lower-case: the deal's own, else the one the `owners` table records for its owner id
 * (null when neither is known). A deal closed, archived or unknown is absent. In chunks of 500.
 *
 * @example await findOpenDealOwnerEmails(db, ['D-7', 'D-8']) // Map { 'D-7' => 'ana@acme.com' } (D-8 was won)
 */
export async function findOpenDealOwnerEmails(db: Kysely<Database>, dealIds: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>()
  const ids = [...new Set(dealIds)]
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('deals')
      .leftJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select(['deals.deal_id', 'deals.owner_email', 'owners.email as owner_table_email'])
      .where('deals.deal_id', 'in', ids.slice(i, i + 500))
      .where('deals.outcome', '=', 'open')
      .where('deals.archived', '=', 0)
      .execute()
    for (const r of rows) out.set(r.deal_id, (r.owner_email ?? r.owner_table_email)?.trim().toLowerCase() || null)
  }
  return out
}

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The owner id of deal `dealId` when the store keeps it as archived (deleted or archived in the
 * CRM), else null (no such deal, or one still live).
 *
 * @example await findArchivedDealOwner(db, '006Qy00000A1b2C') // 'rep_07'
 */
export async function findArchivedDealOwner(db: Kysely<Database>, dealId: string): Promise<string | null> {
  const row = await db.selectFrom('deals').select('owner_id').where('deal_id', '=', dealId).where('archived', '=', 1).executeTakeFirst()
  return row?.owner_id ?? null
}

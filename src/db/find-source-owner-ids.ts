import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The ids of the owners a sync of `source` stored (the small `owners` table), sorted. A CRM that
 * cannot list its owners (Salesforce) is asked about these again on every sync, so an email
 * changed in the CRM reaches the deals they already own.
 *
 * @example await findSourceOwnerIds(db, 'salesforce') // ['005XX000001SvogYAC', ...]
 */
export async function findSourceOwnerIds(db: Kysely<Database>, source: string): Promise<string[]> {
  const rows = await db.selectFrom('owners').select('owner_id').where('source', '=', source).orderBy('owner_id').execute()
  return rows.map((r) => r.owner_id)
}

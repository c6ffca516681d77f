import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The CRM ids of the owners a sync of `source` stored (the small `owners` table; one stored as
 * `<source>:<id>`, apart from another source's owner, by its `<id>`), sorted; with
 * `updatedBefore` (an ISO instant), only those not stored again since. A CRM that cannot list its
 * owners (Salesforce) is asked about these again, so an email changed in the CRM reaches the
 * deals they already own.
 *
 * @example await findSourceOwnerIds(db, 'salesforce', '2026-11-26T09:00:00.000Z') // ['005XX000001SvogYAC', ...]
 */
export async function findSourceOwnerIds(db: Kysely<Database>, source: string, updatedBefore?: string): Promise<string[]> {
  let query = db.selectFrom('owners').select('owner_id').where('source', '=', source)
  if (updatedBefore !== undefined) query = query.where('updated_at', '<', updatedBefore)
  const rows = await query.orderBy('owner_id').execute()
  // An owner stored apart from another source's of the same id (`salesforce:005...`) is asked for by the CRM's own id.
  const apart = `${source}:`
  const ids = rows.map((r) => (r.owner_id.startsWith(apart) ? r.owner_id.slice(apart.length) : r.owner_id))
  return [...new Set(ids)].sort()
}

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The deals a CRM sync stored, id -> source (`hubspot`, `salesforce`): a CSV import quarantines a
 * row with one of these ids rather than replace the CRM's deal and its stage history. Empty, with
 * no scan of `deals`, in a store no CRM ever synced into.
 * @example await findCrmDealIds(db) // Map { '1001' => 'hubspot' }
 */
export async function findCrmDealIds(db: Kysely<Database>): Promise<Map<string, string>> {
  const synced = await db.selectFrom('sync_runs').select('run_id').limit(1).executeTakeFirst()
  if (synced === undefined) return new Map()
  const rows = await db.selectFrom('deals').select(['deal_id', 'source']).where('source', '<>', 'csv').execute()
  return new Map(rows.map((r) => [r.deal_id, r.source]))
}

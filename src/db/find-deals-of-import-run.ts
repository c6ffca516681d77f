import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

// SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535.
const ID_CHUNK = 900

/**
 * Which of `dealIds` import run `runId` wrote (inserted or updated): the others are deals the
 * import kept as stored (an older export's row over a newer stored deal), or not stored at all.
 * @example await findDealsOfImportRun(db, 7, ['K1', 'K2']) // Set { 'K2' }
 */
export async function findDealsOfImportRun(db: Kysely<Database>, runId: number, dealIds: readonly string[]): Promise<Set<string>> {
  const written = new Set<string>()
  const unique = [...new Set(dealIds)]
  for (let i = 0; i < unique.length; i += ID_CHUNK) {
    const rows = await db
      .selectFrom('deals')
      .select('deal_id')
      .where('import_run_id', '=', runId)
      .where('deal_id', 'in', unique.slice(i, i + ID_CHUNK))
      .execute()
    for (const r of rows) written.add(r.deal_id)
  }
  return written
}

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The owner ids (`sales_rep_id`) whose email is one of `emails`, matched case-insensitively,
 * through the small `owners` table (every import and sync records each owner's latest email).
 * Empty when nobody with those emails owns a deal.
 *
 * @example await findOwnerIdsByEmail(db, ['Ana@Acme.com']) // ['rep-7']
 */
export async function findOwnerIdsByEmail(db: Kysely<Database>, emails: readonly string[]): Promise<string[]> {
  const lower = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))]
  if (lower.length === 0) return []
  const rows = await db
    .selectFrom('owners')
    .select('owner_id')
    .where((eb) => eb(eb.fn('lower', ['email']), 'in', lower))
    .execute()
  return [...new Set(rows.map((r) => r.owner_id))].sort()
}

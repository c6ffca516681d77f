import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The owner ids (`sales_rep_id`) whose email is one of `emails`, matched case-insensitively.
 * Empty when nobody with those emails owns a deal. Reads the small `owners` table, plus the
 * indexed `deals.owner_email` for owners whose email only the deals carry.
 *
 * @example await findOwnerIdsByEmail(db, ['Ana@Acme.com']) // ['rep-7']
 */
export async function findOwnerIdsByEmail(db: Kysely<Database>, emails: readonly string[]): Promise<string[]> {
  const lower = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))]
  if (lower.length === 0) return []
  const fromOwners = await db
    .selectFrom('owners')
    .select('owner_id')
    .where((eb) => eb(eb.fn('lower', ['email']), 'in', lower))
    .execute()
  const ids = new Set(fromOwners.map((r) => r.owner_id))
  if (ids.size === 0) {
    // Exact spellings only here: the owners table is the case-insensitive path.
    const fromDeals = await db
      .selectFrom('deals')
      .select('owner_id')
      .distinct()
      .where('owner_email', 'in', [...new Set([...lower, ...emails])])
      .execute()
    for (const r of fromDeals) ids.add(r.owner_id)
  }
  return [...ids].sort()
}

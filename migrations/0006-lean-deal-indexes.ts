import { type Kysely, sql } from 'kysely'

/**
 * Fewer B-trees for an import to write. The two full indexes on `deals` by owner email and by
 * owner give way to one partial index by owner over open deals (a few percent of a large store):
 * owner-scoped Slack lists read open deals, owner-scoped reports read the analytics rollup, and
 * an email is matched to its owners through the small `owners` table, which every import and
 * sync keeps.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Owners known only from their deals' emails (stores written before imports and syncs kept
  // `owners` complete) are recorded first, so nobody loses access with the email index.
  await sql`INSERT INTO owners (owner_id, email, name, source, updated_at)
    SELECT owner_id, max(owner_email), NULL, 'deals', ${new Date().toISOString()} FROM deals WHERE owner_email IS NOT NULL GROUP BY owner_id
    ON CONFLICT (owner_id) DO UPDATE SET email = coalesce(owners.email, excluded.email)`.execute(db)
  await db.schema.dropIndex('deals_owner_email').ifExists().execute()
  await db.schema.dropIndex('deals_owner_id_outcome').ifExists().execute()
  await db.schema.createIndex('deals_open_owner').on('deals').column('owner_id').where(sql.ref('outcome'), '=', 'open').execute()
}

/** Reverts {@link up}: the partial index by owner gives way to the two full indexes again (the owners it recorded stay). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deals_open_owner').execute()
  await db.schema.createIndex('deals_owner_id_outcome').on('deals').columns(['owner_id', 'outcome']).execute()
  await db.schema.createIndex('deals_owner_email').on('deals').column('owner_email').execute()
}

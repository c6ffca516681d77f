import type { Kysely } from 'kysely'

/**
 * `crm_full_sync_seen`: the deals a full CRM sync (`pulse sync --full`) has stored so far, by
 * source, written with each page. A full sync stopped part-way is finished by the next sync,
 * which then still knows every deal the CRM had and removes the others.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crm_full_sync_seen')
    .ifNotExists()
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('crm_full_sync_seen_pk', ['source', 'deal_id'])
    .execute()
}

/** Reverts {@link up}: drops `crm_full_sync_seen`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crm_full_sync_seen').ifExists().execute()
}

import type { Kysely } from 'kysely'

/**
 * `slack_share_claims`: one row per answer being shared into a channel by its "Share in channel"
 * button, so that a double click posts it once even when the two clicks reach two app instances.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('slack_share_claims')
    .ifNotExists()
    .addColumn('share_key', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
}

/** Reverts {@link up}: drops `slack_share_claims`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('slack_share_claims').ifExists().execute()
}

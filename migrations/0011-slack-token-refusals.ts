import type { Kysely } from 'kysely'

/**
 * `slack_token_refusals`: a bot token Slack no longer accepts (the app uninstalled, the token
 * revoked, the workspace or bot deactivated), keyed by the token's SHA-256, so that every
 * instance sharing the store stops calling Slack with it until it works again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('slack_token_refusals')
    .ifNotExists()
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('refused_at', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute()
}

/** Reverts {@link up}: drops `slack_token_refusals`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('slack_token_refusals').ifExists().execute()
}

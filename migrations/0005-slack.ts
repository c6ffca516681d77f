import type { Kysely } from 'kysely'
import { dialectOf, idColumn } from '../src/db/dialect.js'

/**
 * Slack area: stall episodes, the message outbox, snoozes, the Slack user cache (with
 * remembered misses), published Home views, Home snapshots and served chart images; plus an
 * index on deals by owner for owner-scoped reads.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Slack scopes reads to owners (a rep's Home, a manager's team): an index on the core table.
  await db.schema.createIndex('deals_owner_id_outcome').ifNotExists().on('deals').columns(['owner_id', 'outcome']).execute()

  await db.schema
    .createTable('slack_stall_episodes')
    .addColumn('episode_id', 'integer', idColumn(db))
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('owner_email', 'text')
    .addColumn('started_on', 'text', (c) => c.notNull())
    .addColumn('activity_mark', 'text', (c) => c.notNull())
    .addColumn('ended_on', 'text')
    .addColumn('end_reason', 'text')
    .execute()
  await db.schema.createIndex('slack_stall_episodes_deal').on('slack_stall_episodes').columns(['deal_id', 'ended_on']).execute()

  await db.schema
    .createTable('slack_outbox')
    .addColumn('outbox_id', 'integer', idColumn(db))
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text')
    .addColumn('recipient_email', 'text')
    .addColumn('channel_id', 'text')
    .addColumn('slack_user_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('attempt_started_at', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('message_ts', 'text')
    .addColumn('last_error', 'text')
    .execute()
  await db.schema.createIndex('slack_outbox_status').on('slack_outbox').columns(['status', 'outbox_id']).execute()

  await db.schema
    .createTable('slack_snoozes')
    .addColumn('deal_id', 'text', (c) => c.primaryKey())
    .addColumn('until_date', 'text', (c) => c.notNull())
    .addColumn('snoozed_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('slack_user_cache')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('slack_user_id', 'text')
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('slack_user_cache_user').on('slack_user_cache').column('slack_user_id').execute()

  await db.schema
    .createTable('slack_home_views')
    .addColumn('slack_user_id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('block_count', 'integer', (c) => c.notNull())
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('view_hash', 'text')
    .execute()

  await db.schema
    .createTable('slack_home_snapshots')
    .addColumn('scope_key', 'text', (c) => c.primaryKey())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('slack_chart_images')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('png', dialectOf(db) === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
}

/** Reverts {@link up}: drops the Slack tables and the index of deals by owner and outcome. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'slack_chart_images',
    'slack_home_snapshots',
    'slack_home_views',
    'slack_user_cache',
    'slack_snoozes',
    'slack_outbox',
    'slack_stall_episodes',
  ]) {
    await db.schema.dropTable(t).execute()
  }
  await db.schema.dropIndex('deals_owner_id_outcome').ifExists().execute()
}

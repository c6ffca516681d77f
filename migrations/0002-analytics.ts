import { type Kysely, sql } from 'kysely'

/**
 * Analytics: the report rollup and its state, plus a partial index over open deals that the
 * stalled and stale queries read (amount for the alert-amount range, then the dates the idle and
 * stale rules use, so those queries need not visit the table). SQLite uses it for
 * `outcome = ?` bound to 'open' too: it plans with the bound value.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_rollup')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dims', 'text', (c) => c.notNull())
    .addColumn('v1', 'text', (c) => c.notNull())
    .addColumn('v2', 'text', (c) => c.notNull())
    .addColumn('k1', 'text', (c) => c.notNull())
    .addColumn('k2', 'text', (c) => c.notNull())
    .addColumn('d', 'integer', (c) => c.notNull())
    .addColumn('n', 'double precision', (c) => c.notNull())
    .addColumn('amount', 'double precision', (c) => c.notNull())
    .addColumn('days', 'double precision', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('analytics_rollup_slice').on('analytics_rollup').columns(['kind', 'dims', 'v1', 'v2']).execute()
  await db.schema
    .createTable('analytics_rollup_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('data_version', 'text', (c) => c.notNull())
    .addColumn('horizon', 'text', (c) => c.notNull())
    .addColumn('history', 'integer', (c) => c.notNull())
    .addColumn('open_stages', 'text', (c) => c.notNull())
    .addColumn('built_at', 'text', (c) => c.notNull())
    .execute()
  // Partial: open deals only (a few percent of a large store), so an import rebuilds it in a blink.
  await db.schema
    .createIndex('deals_open_amount_dates')
    .on('deals')
    .columns(['amount', 'last_activity_date', 'updated_date', 'stage_entered_date', 'created_date', 'stage', 'archived'])
    .where(sql.ref('outcome'), '=', 'open')
    .execute()
}

/** Reverts {@link up}: drops the rollup tables and the open-deals index. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deals_open_amount_dates').execute()
  await db.schema.dropTable('analytics_rollup_state').execute()
  await db.schema.dropTable('analytics_rollup').execute()
}

import { type Kysely, sql } from 'kysely'
import { dialectOf, idColumn } from '../src/db/dialect.js'

/**
 * Core store: deals (current state, one row per deal), their stage history (keyed by deal, entry
 * and stage; a WITHOUT ROWID table on SQLite), owners, the stage
 * order, CSV import runs with their rejected rows, and a small key/value table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deals')
    .addColumn('deal_id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('deal_name', 'text')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('owner_email', 'text')
    .addColumn('created_date', 'text', (c) => c.notNull())
    .addColumn('created_month', 'text', (c) => c.notNull())
    .addColumn('closed_date', 'text')
    .addColumn('closed_month', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('stage_entered_date', 'text')
    .addColumn('lost_at_stage', 'text')
    .addColumn('amount', 'double precision', (c) => c.notNull())
    .addColumn('amount_band', 'text', (c) => c.notNull())
    .addColumn('currency', 'text')
    .addColumn('industry', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('product_type', 'text', (c) => c.notNull())
    .addColumn('lead_source', 'text', (c) => c.notNull())
    .addColumn('sales_cycle_days', 'integer')
    .addColumn('last_activity_date', 'text')
    .addColumn('updated_date', 'text')
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('crm_url', 'text')
    .addColumn('extra', 'text')
    .addColumn('import_run_id', 'integer')
    .execute()
  // Secondary indexes of `deals` are few on purpose: each costs about a second per million rows
  // imported. Monthly reports read the analytics rollup (or scan once); Slack maps a user's
  // email to owners through this one.
  await db.schema.createIndex('deals_owner_email').on('deals').column('owner_email').execute()

  await db.schema
    .createTable('stage_history')
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'text', (c) => c.notNull())
    .addColumn('left_at', 'text')
    .addPrimaryKeyConstraint('stage_history_pk', ['deal_id', 'entered_at', 'stage'])
    // On SQLite the rows live in their primary key's B-tree (one tree to write, not two), in deal order.
    .$call((t) => (dialectOf(db) === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
    .execute()

  await db.schema
    .createTable('owners')
    .addColumn('owner_id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('stages')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('is_closed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_won', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('import_runs')
    .addColumn('run_id', 'integer', idColumn(db))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('file', 'text')
    .addColumn('started_by', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_inserted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  await db.schema
    .createTable('rejected_rows')
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rejected_rows_pk', ['run_id', 'line'])
    .execute()

  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
}

/** Reverts {@link up}: drops the core tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['meta', 'rejected_rows', 'import_runs', 'stages', 'owners', 'stage_history', 'deals']) {
    await db.schema.dropTable(t).execute()
  }
}

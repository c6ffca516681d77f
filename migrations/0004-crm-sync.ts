import type { Kysely } from 'kysely'
import { idColumn } from '../src/db/dialect.js'

/** CRM sync watermarks and runs; scheduled job runs and the job lock table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crm_sync_state')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('watermark', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('sync_runs')
    .addColumn('run_id', 'integer', idColumn(db))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deals', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_message', 'text')
    .addColumn('started_by', 'text')
    .execute()
  await db.schema.createIndex('sync_runs_source_started').on('sync_runs').columns(['source', 'started_at']).execute()

  await db.schema
    .createTable('job_runs')
    .addColumn('run_id', 'integer', idColumn(db))
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('instance', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('alerted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('job_runs_job_started').on('job_runs').columns(['job', 'started_at']).execute()

  await db.schema
    .createTable('job_locks')
    .addColumn('job', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
}

/** Reverts {@link up}: drops the sync, job-run and job-lock tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['job_locks', 'job_runs', 'sync_runs', 'crm_sync_state']) await db.schema.dropTable(t).execute()
}

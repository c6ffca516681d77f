import type { Kysely } from 'kysely'
import { idColumn } from '../src/db/dialect.js'

/** The model registry (`models`) and per-deal scores under each model (`deal_scores`). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('models')
    .addColumn('model_id', 'integer', idColumn(db))
    .addColumn('engine', 'text', (c) => c.notNull())
    .addColumn('trained_at', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('informative', 'integer', (c) => c.notNull())
    .addColumn('n_train', 'integer', (c) => c.notNull())
    .addColumn('n_test', 'integer', (c) => c.notNull())
    .addColumn('train_from', 'text', (c) => c.notNull())
    .addColumn('train_to', 'text', (c) => c.notNull())
    .addColumn('test_from', 'text', (c) => c.notNull())
    .addColumn('test_to', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('models_informative').on('models').columns(['informative', 'model_id']).execute()

  await db.schema
    .createTable('deal_scores')
    .addColumn('model_id', 'integer', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('scored_at', 'text', (c) => c.notNull())
    .addColumn('win_probability', 'double precision', (c) => c.notNull())
    .addColumn('health_score', 'integer', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_scores_pk', ['model_id', 'deal_id'])
    .execute()
}

/** Reverts {@link up}: drops `deal_scores` and `models`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deal_scores').execute()
  await db.schema.dropTable('models').execute()
}

import type { Kysely } from 'kysely'
import { columnExists, tableExists } from '../src/db/dialect.js'

/**
 * Home charts superseded by newer ones go once nothing can show them any more, instead of after
 * their 7 days: each published Home view records the charts it shows (`slack_home_views.chart_hashes`,
 * a JSON array of token hashes; null for views published before, which keeps every chart to its
 * expiry until those views are published again), and a chart that neither a stored snapshot nor
 * a published view names records since when (`slack_chart_images.unreferenced_since`). Safe to
 * run again (each column is added only where missing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if ((await tableExists(db, 'slack_home_views')) && !(await columnExists(db, 'slack_home_views', 'chart_hashes')))
    await db.schema.alterTable('slack_home_views').addColumn('chart_hashes', 'text').execute()
  if ((await tableExists(db, 'slack_chart_images')) && !(await columnExists(db, 'slack_chart_images', 'unreferenced_since')))
    await db.schema.alterTable('slack_chart_images').addColumn('unreferenced_since', 'text').execute()
}

/** Reverts {@link up}: drops both columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slack_chart_images').dropColumn('unreferenced_since').execute()
  await db.schema.alterTable('slack_home_views').dropColumn('chart_hashes').execute()
}

import type { Kysely } from 'kysely'
import { dialectOf, tableExists } from '../src/db/dialect.js'
import * as analytics from './0002-analytics.js'
import * as model from './0003-model.js'
import * as crmSync from './0004-crm-sync.js'
import * as slack from './0005-slack.js'
import * as dealIdOrder from './0007-deal-id-order.js'

/**
 * The tables of the analytics, model, CRM sync and Slack areas, for stores set up by an early
 * release whose migrations 0002-0005 were still empty: they are recorded as run, but created
 * nothing. Each area whose first table is missing is created now, as those migrations and the
 * later ones leave it (no full owner index on deals, snoozes with their owner, deal ids in
 * byte order on PostgreSQL). Nothing to do on any other store.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  let created = false
  for (const [area, table] of [
    [analytics, 'analytics_rollup'],
    [model, 'models'],
    [crmSync, 'crm_sync_state'],
    [slack, 'slack_outbox'],
  ] as const) {
    if (await tableExists(db, table)) continue
    await area.up(db)
    created = true
    if (area !== slack) continue
    // As migrations 0006 and 0008 left stores that had these tables when they ran.
    await db.schema.dropIndex('deals_owner_id_outcome').ifExists().execute()
    await db.schema.alterTable('slack_snoozes').addColumn('owner_id', 'text').execute()
  }
  if (created && dialectOf(db) === 'postgres') await dealIdOrder.up(db)
}

/** Nothing to undo: the tables belong to migrations 0002-0005. */
export async function down(_db: Kysely<unknown>): Promise<void> {}

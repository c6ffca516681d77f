import type { Kysely } from 'kysely'
import { tableExists } from '../src/db/dialect.js'

/**
 * A snooze records the owner it was asked for (`owner_id`): once the deal is handed to another
 * owner, that quiet is not theirs, so the new owner hears of the stall. Snoozes written before
 * have none and hold for whoever owns the deal, as they did. A store without the Slack tables
 * (set up when migration 0005 created nothing) gets them, column included, from migration 0009.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(await tableExists(db, 'slack_snoozes'))) return
  await db.schema.alterTable('slack_snoozes').addColumn('owner_id', 'text').execute()
}

/** Reverts {@link up}: drops `slack_snoozes.owner_id`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slack_snoozes').dropColumn('owner_id').execute()
}

import type { Kysely } from 'kysely'
import { columnExists, tableExists } from '../src/db/dialect.js'

/**
 * A snooze records the email of the owner it was asked for (`owner_email`, lower-case), as the
 * stalled-deal DMs and their episodes name owners: a deal handed to another person with the same
 * owner id (a CSV whose `sales_rep_id` is a team's, say) is not kept quiet for them, and one whose
 * owner id changed but whose owner did not stays quiet. Snoozes written before have none and
 * match by owner id, as they did. Safe to run again (the column is added only where missing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(await tableExists(db, 'slack_snoozes'))) return
  if (await columnExists(db, 'slack_snoozes', 'owner_email')) return
  await db.schema.alterTable('slack_snoozes').addColumn('owner_email', 'text').execute()
}

/** Reverts {@link up}: drops `slack_snoozes.owner_email`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slack_snoozes').dropColumn('owner_email').execute()
}

import type { Kysely } from 'kysely'

/**
 * A snooze records the owner it was asked for (`owner_id`): once the deal is handed to another
 * owner, that quiet is not theirs, so the new owner hears of the stall. Snoozes written before
 * have none and hold for whoever owns the deal, as they did.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slack_snoozes').addColumn('owner_id', 'text').execute()
}

/** Reverts {@link up}: drops `slack_snoozes.owner_id`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('slack_snoozes').dropColumn('owner_id').execute()
}

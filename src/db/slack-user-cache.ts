import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** A cached Slack lookup: the user id, or null when Slack did not know the email. */
export interface CachedSlackUser {
  slackUserId: string | null
  checkedAt: string
}

/** The cached lookup for `email` (matched lower-case), or undefined when never looked up. */
export async function findCachedSlackUser(db: Kysely<Database>, email: string): Promise<CachedSlackUser | undefined> {
  const row = await db.selectFrom('slack_user_cache').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst()
  return row ? { slackUserId: row.slack_user_id, checkedAt: row.checked_at } : undefined
}

/**
 * The email cached for a Slack user id, or undefined: the most recently checked one (a user whose
 * email changed has a row for each), and with `checkedSince` only one checked at or after it.
 */
export async function findCachedEmailOfSlackUser(
  db: Kysely<Database>,
  slackUserId: string,
  checkedSince?: Date,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('slack_user_cache')
    .select('email')
    .where('slack_user_id', '=', slackUserId)
    .$if(checkedSince !== undefined, (q) => q.where('checked_at', '>=', (checkedSince as Date).toISOString()))
    .orderBy('checked_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.email
}

/** Remembers a lookup result (a null id remembers a miss). */
export async function saveSlackUserLookup(db: Kysely<Database>, email: string, slackUserId: string | null, at: Date): Promise<void> {
  const checked = at.toISOString()
  await db
    .insertInto('slack_user_cache')
    .values({ email: email.toLowerCase(), slack_user_id: slackUserId, checked_at: checked })
    .onConflict((oc) => oc.column('email').doUpdateSet({ slack_user_id: slackUserId, checked_at: checked }))
    .execute()
}

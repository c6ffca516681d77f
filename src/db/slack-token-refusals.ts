import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** A recorded refusal of a bot token: see `slack_token_refusals`. */
export interface SlackTokenRefusal {
  readonly reason: string
  /** ISO time first recorded. */
  readonly refusedAt: string
  /** ISO time last tried and still refused. */
  readonly checkedAt: string
}

/**
 * Records that Slack refused the bot token whose SHA-256 is `tokenHash`, unless it is recorded
 * already (the first reason is kept). One `INSERT ... ON CONFLICT DO NOTHING`, the same on SQLite
 * and PostgreSQL, so of two instances recording it at once exactly one gets true.
 *
 * @returns true when this call recorded it (it was not recorded before).
 * @example await recordSlackTokenRefusal(db, { tokenHash, reason: 'app_uninstalled', at: new Date() })
 */
export async function recordSlackTokenRefusal(
  db: Kysely<Database>,
  refusal: { tokenHash: string; reason: string; at: Date },
): Promise<boolean> {
  const at = refusal.at.toISOString()
  const row = await db
    .insertInto('slack_token_refusals')
    .values({ token_hash: refusal.tokenHash, reason: refusal.reason, refused_at: at, checked_at: at })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .returning('token_hash')
    .executeTakeFirst()
  return row !== undefined
}

/** The recorded refusal of the token whose SHA-256 is `tokenHash`, or null when none is. */
export async function findSlackTokenRefusal(db: Kysely<Database>, tokenHash: string): Promise<SlackTokenRefusal | null> {
  const row = await db
    .selectFrom('slack_token_refusals')
    .select(['reason', 'refused_at', 'checked_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst()
  return row ? { reason: row.reason, refusedAt: row.refused_at, checkedAt: row.checked_at } : null
}

/**
 * Claims the next check of a refused token: moves its `checked_at` to `at` when it is older than
 * `before`. One conditional `UPDATE`, so of several instances asking at once one gets true.
 */
export async function claimSlackTokenCheck(db: Kysely<Database>, tokenHash: string, before: Date, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('slack_token_refusals')
    .set({ checked_at: at.toISOString() })
    .where('token_hash', '=', tokenHash)
    .where('checked_at', '<', before.toISOString())
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Forgets the refusal of the token whose SHA-256 is `tokenHash` (Slack accepts it again); true when there was one. */
export async function clearSlackTokenRefusal(db: Kysely<Database>, tokenHash: string): Promise<boolean> {
  const result = await db.deleteFrom('slack_token_refusals').where('token_hash', '=', tokenHash).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

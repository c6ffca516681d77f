import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'
import { type LookupOptions, lookupSlackUserId, slackErrorCode } from '../access/slack-user-directory.js'
import { openDm } from './open-dm.js'
import type { SlackClient } from './slack-context.js'

/** `conversations.open` answers for a user id that is nobody's active account any more. */
const GONE_ACCOUNT_ERRORS = new Set(['user_disabled', 'user_not_found', 'cannot_dm_bot'])

/**
 * The Slack user and DM channel for a work email: the user found by `lookupSlackUserId` (its
 * answer remembered for a week), then their DM (`openDm`). When Slack will not open a DM with
 * that user because the account is gone (`user_disabled`, `user_not_found`, `cannot_dm_bot`),
 * the email is looked up afresh once: an account deactivated and made again for the same email
 * gets the DM at its new id, and an email left with no account who may be DMed is a miss (asked
 * again the next day), rather than the DM failing for good on a remembered answer. Null when
 * Slack has no user who may be DMed for the email.
 *
 * @throws the Web API error of the lookup or of opening the DM (the refusal's when the fresh
 * lookup finds the same user again).
 */
export async function openDmByEmail(
  db: Kysely<Database>,
  client: SlackClient,
  email: string,
  now: Date,
  options: LookupOptions = {},
): Promise<{ userId: string; channel: string } | null> {
  const userId = await lookupSlackUserId(db, client, email, now, options)
  if (!userId) return null
  try {
    return { userId, channel: await openDm(client, userId) }
  } catch (error) {
    if (!GONE_ACCOUNT_ERRORS.has(slackErrorCode(error) ?? '')) throw error
    const again = await lookupSlackUserId(db, client, email, now, { ...options, fresh: true })
    if (again === null) return null
    if (again === userId) throw error
    return { userId: again, channel: await openDm(client, again) }
  }
}

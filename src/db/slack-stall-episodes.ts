import type { Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { StallEpisodeRow } from './schema-slack.js'

/** Every stall episode still open, by deal id. */
export async function findOpenStallEpisodes(db: Kysely<Database>): Promise<Map<string, StallEpisodeRow>> {
  const rows = await db.selectFrom('slack_stall_episodes').selectAll().where('ended_on', 'is', null).execute()
  return new Map(rows.map((r) => [r.deal_id, r]))
}

/** Opens an episode for a deal that is stalled now; returns its id. */
export async function openStallEpisode(
  db: Kysely<Database>,
  episode: { dealId: string; ownerEmail: string | null; startedOn: string; activityMark: string },
): Promise<number> {
  const row = await db
    .insertInto('slack_stall_episodes')
    .values({
      deal_id: episode.dealId,
      owner_email: episode.ownerEmail,
      started_on: episode.startedOn,
      activity_mark: episode.activityMark,
      ended_on: null,
      end_reason: null,
    })
    .returning('episode_id')
    .executeTakeFirstOrThrow()
  return Number(row.episode_id)
}

/** Ends an open episode (the deal is active again, closed, or no longer stalled). */
export async function endStallEpisode(db: Kysely<Database>, episodeId: number, end: { endedOn: string; reason: string }): Promise<void> {
  await db
    .updateTable('slack_stall_episodes')
    .set({ ended_on: end.endedOn, end_reason: end.reason })
    .where('episode_id', '=', episodeId)
    .where('ended_on', 'is', null)
    .execute()
}

/** Ends the open episode of `dealId`, if any (the owner said the CRM is updated). */
export async function endOpenStallEpisodeOfDeal(
  db: Kysely<Database>,
  dealId: string,
  end: { endedOn: string; reason: string },
): Promise<number> {
  const result = await db
    .updateTable('slack_stall_episodes')
    .set({ ended_on: end.endedOn, end_reason: end.reason })
    .where('deal_id', '=', dealId)
    .where('ended_on', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Whether `email` (compared trimmed and in any case) was the owner of a stall episode of `dealId`,
 * ended or open: each episode's DM went to its owner, so they were told about the deal.
 *
 * @example await wasStallOwnerOfDeal(db, 'D000101', 'ana@acme.com') // true once Ana was DMed about it
 */
export async function wasStallOwnerOfDeal(db: Kysely<Database>, dealId: string, email: string): Promise<boolean> {
  const wanted = email.trim().toLowerCase()
  if (wanted === '') return false
  const rows = await db.selectFrom('slack_stall_episodes').select('owner_email').where('deal_id', '=', dealId).execute()
  return rows.some((r) => r.owner_email?.trim().toLowerCase() === wanted)
}

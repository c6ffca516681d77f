import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Claims the share of one answer (`shareKey`: who clicked, which message, which button) for
 * `holder` until `now + ttlMs`: true for the first claim, false while another holds it. One
 * `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired ... RETURNING`, the same on SQLite and
 * PostgreSQL, so of two app instances claiming at once exactly one gets true. Expired claims are
 * deleted first.
 *
 * @example if (await claimShare(db, { shareKey, holder, now: new Date(), ttlMs: 30 * 60_000 })) await postTheShare()
 */
export async function claimShare(
  db: Kysely<Database>,
  claim: { shareKey: string; holder: string; now: Date; ttlMs: number },
): Promise<boolean> {
  const at = claim.now.toISOString()
  const until = new Date(claim.now.getTime() + claim.ttlMs).toISOString()
  await db.deleteFrom('slack_share_claims').where('expires_at', '<=', at).execute()
  const row = await db
    .insertInto('slack_share_claims')
    .values({ share_key: claim.shareKey, holder: claim.holder, claimed_at: at, expires_at: until })
    .onConflict((oc) =>
      oc
        .column('share_key')
        .doUpdateSet({ holder: claim.holder, claimed_at: at, expires_at: until })
        .where('slack_share_claims.expires_at', '<=', at),
    )
    .returning('holder')
    .executeTakeFirst()
  return row?.holder === claim.holder
}

/** Gives a share claim back (only if `holder` still holds it): the share failed, so a click may try again. */
export async function releaseShareClaim(db: Kysely<Database>, shareKey: string, holder: string): Promise<void> {
  await db.deleteFrom('slack_share_claims').where('share_key', '=', shareKey).where('holder', '=', holder).execute()
}

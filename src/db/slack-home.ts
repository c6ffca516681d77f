import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Records that a Home view was published for a user. */
export async function saveHomeView(
  db: Kysely<Database>,
  view: { slackUserId: string; role: string; blockCount: number; hash: string | null; at: Date },
): Promise<void> {
  const values = {
    slack_user_id: view.slackUserId,
    role: view.role,
    block_count: view.blockCount,
    published_at: view.at.toISOString(),
    view_hash: view.hash,
  }
  await db
    .insertInto('slack_home_views')
    .values(values)
    .onConflict((oc) =>
      oc.column('slack_user_id').doUpdateSet({
        role: values.role,
        block_count: values.block_count,
        published_at: values.published_at,
        view_hash: values.view_hash,
      }),
    )
    .execute()
}

/** Slack users with a published Home view (republished after each sync). */
export async function findHomeViewUsers(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('slack_home_views').select('slack_user_id').orderBy('slack_user_id').execute()
  return rows.map((r) => r.slack_user_id)
}

/** Stores the precomputed Home figures of a scope (`all`, `team:<email>`), replacing older ones. */
export async function saveHomeSnapshot(
  db: Kysely<Database>,
  snapshot: { scopeKey: string; asOf: string; payload: unknown; at: Date },
): Promise<void> {
  const payload = JSON.stringify(snapshot.payload)
  const computed = snapshot.at.toISOString()
  await db
    .insertInto('slack_home_snapshots')
    .values({ scope_key: snapshot.scopeKey, as_of: snapshot.asOf, payload, computed_at: computed })
    .onConflict((oc) => oc.column('scope_key').doUpdateSet({ as_of: snapshot.asOf, payload, computed_at: computed }))
    .execute()
}

/** The precomputed Home figures of a scope, or undefined when none were computed yet. */
export async function findHomeSnapshot(
  db: Kysely<Database>,
  scopeKey: string,
): Promise<{ asOf: string; payload: unknown; computedAt: string } | undefined> {
  const row = await db.selectFrom('slack_home_snapshots').selectAll().where('scope_key', '=', scopeKey).executeTakeFirst()
  return row ? { asOf: row.as_of, payload: JSON.parse(row.payload), computedAt: row.computed_at } : undefined
}

/**
 * Stores a chart PNG under the hash of its URL token until `expiresAt`. The same token again (the
 * same chart, drawn again) keeps the one row and moves its expiry on to the later of the two.
 */
export async function saveChartImage(
  db: Kysely<Database>,
  image: { tokenHash: string; png: Buffer; expiresAt: Date; now: Date },
): Promise<void> {
  const expiresAt = image.expiresAt.toISOString()
  await db
    .insertInto('slack_chart_images')
    .values({ token_hash: image.tokenHash, png: image.png, expires_at: expiresAt, created_at: image.now.toISOString() })
    .onConflict((oc) =>
      oc.column('token_hash').doUpdateSet({ expires_at: expiresAt }).where('slack_chart_images.expires_at', '<', expiresAt),
    )
    .execute()
}

/** The PNG stored under `tokenHash` if it has not expired at `now`. */
export async function findChartImage(db: Kysely<Database>, tokenHash: string, now: Date): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom('slack_chart_images')
    .select('png')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst()
  return row?.png
}

/** Deletes expired chart images; returns how many. */
export async function deleteExpiredChartImages(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db.deleteFrom('slack_chart_images').where('expires_at', '<=', now.toISOString()).executeTakeFirst()
  return Number(result.numDeletedRows)
}

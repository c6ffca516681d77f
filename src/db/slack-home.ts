import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Records that a Home view was published for a user, with the token hashes of the charts it shows
 * (`chartHashes`; omitted: not known, which keeps every chart to its expiry, see
 * {@link findChartReferences}).
 */
export async function saveHomeView(
  db: Kysely<Database>,
  view: { slackUserId: string; role: string; blockCount: number; hash: string | null; at: Date; chartHashes?: readonly string[] },
): Promise<void> {
  const values = {
    slack_user_id: view.slackUserId,
    role: view.role,
    block_count: view.blockCount,
    published_at: view.at.toISOString(),
    view_hash: view.hash,
    chart_hashes: view.chartHashes ? JSON.stringify([...view.chartHashes].sort()) : null,
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
        chart_hashes: values.chart_hashes,
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
  // Stored again: about to be named by a snapshot, so not to be pruned as unreferenced meanwhile.
  await db
    .updateTable('slack_chart_images')
    .set({ unreferenced_since: null })
    .where('token_hash', '=', image.tokenHash)
    .where('unreferenced_since', 'is not', null)
    .execute()
}

/**
 * What may still show a Home chart: the chart URLs of every stored Home snapshot (`snapshotCharts`,
 * as stored) and the token hashes every published Home view recorded (`viewHashes`);
 * `unknown` is true when a view published since `unknownSince` recorded none (published before
 * views recorded their charts), so that any chart may still be shown. (A view published before
 * `unknownSince` is not counted: a chart URL lives no longer than that unless it is stored again.)
 */
export async function findChartReferences(
  db: Kysely<Database>,
  unknownSince: Date,
): Promise<{ snapshotCharts: string[]; viewHashes: Set<string>; unknown: boolean }> {
  const snapshots = await db.selectFrom('slack_home_snapshots').select('payload').execute()
  const snapshotCharts: string[] = []
  for (const s of snapshots) {
    const charts = (JSON.parse(s.payload) as { charts?: Record<string, unknown> }).charts ?? {}
    for (const url of Object.values(charts)) if (typeof url === 'string') snapshotCharts.push(url)
  }
  const views = await db.selectFrom('slack_home_views').select(['chart_hashes', 'published_at']).execute()
  const viewHashes = new Set<string>()
  const since = unknownSince.toISOString()
  let unknown = false
  for (const v of views) {
    if (v.chart_hashes === null) unknown ||= v.published_at >= since
    else for (const h of JSON.parse(v.chart_hashes) as string[]) viewHashes.add(h)
  }
  return { snapshotCharts, viewHashes, unknown }
}

/**
 * Settles which stored charts nothing names any more: a chart not in `referenced` (token hashes)
 * is marked unreferenced since `now` (once), one in it is unmarked, and one unreferenced since
 * `deleteBefore` or earlier is deleted. Returns how many were deleted.
 */
export async function pruneUnreferencedChartImages(
  db: Kysely<Database>,
  referenced: ReadonlySet<string>,
  times: { now: Date; deleteBefore: Date },
): Promise<number> {
  const named = [...referenced]
  for (let i = 0; i < named.length; i += 500) {
    await db
      .updateTable('slack_chart_images')
      .set({ unreferenced_since: null })
      .where('token_hash', 'in', named.slice(i, i + 500))
      .where('unreferenced_since', 'is not', null)
      .execute()
  }
  const stored = await db.selectFrom('slack_chart_images').select(['token_hash', 'unreferenced_since']).execute()
  const cutoff = times.deleteBefore.toISOString()
  const mark: string[] = []
  const drop: string[] = []
  for (const r of stored) {
    if (referenced.has(r.token_hash)) continue
    if (r.unreferenced_since === null) mark.push(r.token_hash)
    else if (r.unreferenced_since <= cutoff) drop.push(r.token_hash)
  }
  for (let i = 0; i < mark.length; i += 500) {
    await db
      .updateTable('slack_chart_images')
      .set({ unreferenced_since: times.now.toISOString() })
      .where('token_hash', 'in', mark.slice(i, i + 500))
      .where('unreferenced_since', 'is', null)
      .execute()
  }
  let deleted = 0
  for (let i = 0; i < drop.length; i += 500) {
    // Only while still unreferenced that long: a chart stored again meanwhile was unmarked.
    const result = await db
      .deleteFrom('slack_chart_images')
      .where('token_hash', 'in', drop.slice(i, i + 500))
      .where('unreferenced_since', '<=', cutoff)
      .executeTakeFirst()
    deleted += Number(result.numDeletedRows)
  }
  return deleted
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

import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Whether the analytics rollup was built from other data than the store holds now (its
 * `data_version` is not `meta.data_version`): a sync cut short after storing pages, say, left it
 * behind, and the reports read `deals` until it is rebuilt. False when there is no rollup.
 */
export async function isRollupStale(db: Kysely<Database>): Promise<boolean> {
  const state = await db
    .selectFrom('analytics_rollup_state')
    .select('data_version')
    .where('id', '=', 1)
    .executeTakeFirst()
    .catch(() => undefined)
  if (!state) return false
  const version = await db.selectFrom('meta').select('value').where('key', '=', 'data_version').executeTakeFirst()
  return (version?.value ?? '') !== state.data_version
}

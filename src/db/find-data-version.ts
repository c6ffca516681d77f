import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The store's `meta.data_version` ('' when none): every import and every stored sync page sets a
 * new one, so anything computed from the deals under an older version is out of date.
 */
export async function findDataVersion(db: Kysely<Database>): Promise<string> {
  return (await db.selectFrom('meta').select('value').where('key', '=', 'data_version').executeTakeFirst())?.value ?? ''
}

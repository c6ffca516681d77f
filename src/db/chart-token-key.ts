import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

const KEY = 'chart_token_key'

/**
 * The store's secret for the tokens of hosted chart URLs (32 random bytes, kept in `meta`), or
 * undefined when none has been made yet ({@link createChartTokenKey}).
 */
export async function findChartTokenKey(db: Kysely<Database>): Promise<Buffer | undefined> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', KEY).executeTakeFirst()
  return row ? Buffer.from(row.value, 'base64url') : undefined
}

/**
 * Makes the store's chart-token secret unless one exists (several app instances may race: the
 * first one stored wins) and returns the one stored.
 */
export async function createChartTokenKey(db: Kysely<Database>): Promise<Buffer> {
  await db
    .insertInto('meta')
    .values({ key: KEY, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
  return (await findChartTokenKey(db)) as Buffer
}

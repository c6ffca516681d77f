import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** True when the store holds at least one deal (archived ones included). */
export async function hasAnyDeal(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('deals').select('deal_id').limit(1).executeTakeFirst()) !== undefined
}

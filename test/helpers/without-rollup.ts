import type { Store } from '../../src/db/open-store.js'

/**
 * Runs `fn` with the store's analytics rollup marked out of date (the data version changed, or set
 * where the store had none), so reports read straight from the deals and their stays; the data
 * version is put back after.
 */
export async function withoutRollup<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const saved = await store.db.selectFrom('meta').select('value').where('key', '=', 'data_version').executeTakeFirst()
  await store.db.deleteFrom('meta').where('key', '=', 'data_version').execute()
  await store.db.insertInto('meta').values({ key: 'data_version', value: 'changed' }).execute()
  try {
    return await fn()
  } finally {
    await store.db.deleteFrom('meta').where('key', '=', 'data_version').execute()
    if (saved) await store.db.insertInto('meta').values({ key: 'data_version', value: saved.value }).execute()
  }
}

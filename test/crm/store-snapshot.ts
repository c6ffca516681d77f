import type { Store } from '../../src/db/open-store.js'

/** Everything a sync writes that analysis reads, without run ids and timestamps of the run itself. */
export async function storeSnapshot(store: Store) {
  const deals = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
  const history = await store.db.selectFrom('stage_history').selectAll().orderBy('deal_id').orderBy('entered_at').orderBy('stage').execute()
  const owners = await store.db.selectFrom('owners').select(['owner_id', 'email', 'name', 'source']).orderBy('owner_id').execute()
  const stages = await store.db.selectFrom('stages').selectAll().orderBy('position').execute()
  return { deals: deals.map(({ import_run_id: _, ...d }) => d), history, owners, stages }
}

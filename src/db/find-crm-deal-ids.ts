import { sql } from 'kysely'
import type { Store } from './open-store.js'

/** The deals a CRM sync stored: for each source (`hubspot`, `salesforce`), the ids of its deals. */
export type CrmDealIds = ReadonlyMap<string, ReadonlySet<string>>

/**
 * The deals a CRM sync stored, source -> ids: a CSV import quarantines a row with one of these ids
 * rather than replace the CRM's deal and its stage history. Empty, with no scan of `deals`, in a
 * store no CRM ever synced into.
 * @example await findCrmDealIds(store) // Map { 'hubspot' => Set { '1001' } }
 */
export async function findCrmDealIds(store: Store): Promise<CrmDealIds> {
  return crmDealIdsOfText(await findCrmDealIdsText(store))
}

/**
 * {@link findCrmDealIds} as JSON text (`[["hubspot",["1001"]]]`), for a worker thread: a store can
 * hold a million synced deals, so the database writes the text, with no row object per deal, and
 * only the thread that looks the ids up holds them as sets ({@link crmDealIdsOfText}).
 */
export async function findCrmDealIdsText(store: Store): Promise<string> {
  const synced = await store.db.selectFrom('sync_runs').select('run_id').limit(1).executeTakeFirst()
  if (synced === undefined) return '[]'
  const sqlite = store.sqlite
  if (sqlite) {
    const sources = sqlite.prepare<[string], string>('SELECT DISTINCT source FROM deals WHERE source <> ?').pluck().all('csv')
    const ids = sqlite.prepare<[string], string>('SELECT json_group_array(deal_id) FROM deals WHERE source = ?').pluck()
    return `[${sources.map((source) => `[${JSON.stringify(source)},${ids.get(source)}]`).join(',')}]`
  }
  const rows = await store.db
    .selectFrom('deals')
    .select(['source', sql<string>`json_agg(deal_id)::text`.as('ids')])
    .where('source', '<>', 'csv')
    .groupBy('source')
    .execute()
  return `[${rows.map((r) => `[${JSON.stringify(r.source)},${r.ids}]`).join(',')}]`
}

/** The sets of {@link findCrmDealIdsText}'s text. */
export function crmDealIdsOfText(text: string): CrmDealIds {
  const lists = JSON.parse(text) as Array<[string, string[]]>
  return new Map(lists.map(([source, ids]) => [source, new Set(ids)]))
}

/** The source (`hubspot`, `salesforce`) of the deal a CRM sync stored under an id, or undefined. */
export type CrmDealLookup = (id: string) => string | undefined

/**
 * {@link CrmDealLookup} of the store, for a CSV import parsed on the importing thread: on SQLite
 * each id is looked up as the row comes (a few microseconds, by the primary key), so that a small
 * file imported into a store of a million synced deals does not read them all first; elsewhere
 * (PostgreSQL, whose queries cannot answer at once) from {@link findCrmDealIds}. Undefined in a
 * store no CRM ever synced into.
 */
export async function findCrmDealLookup(store: Store): Promise<CrmDealLookup | undefined> {
  const synced = await store.db.selectFrom('sync_runs').select('run_id').limit(1).executeTakeFirst()
  if (synced === undefined) return undefined
  if (store.sqlite) {
    const source = store.sqlite.prepare<[string, string], string>('SELECT source FROM deals WHERE deal_id = ? AND source <> ?').pluck()
    return (id) => source.get(id, 'csv')
  }
  const ids = await findCrmDealIds(store)
  return (id) => crmSourceOf(ids, id)
}

/**
 * The source of the deal a CRM sync stored under `id` ({@link findCrmDealIds}), or undefined.
 * @example crmSourceOf(new Map([['hubspot', new Set(['1001'])]]), '1001') // 'hubspot'
 */
export function crmSourceOf(ids: CrmDealIds | undefined, id: string): string | undefined {
  if (ids === undefined) return undefined
  for (const [source, held] of ids) if (held.has(id)) return source
  return undefined
}

import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import { findDataVersion } from './find-data-version.js'
import type { Database } from './schema.js'

/**
 * The aggregate columns {@link currenciesOf} reads: the first and last stored currency and how many
 * deals state none, selected beside a query's other totals so one pass over the deals gives them;
 * with `only`, over the deals it holds for (named with `prefix`: `staleFirstCurrency`, ...).
 */
export function currencyTotalsColumns<P extends string = ''>(only?: RawBuilder<boolean>, prefix: P = '' as P) {
  const name = (n: string) => (prefix === '' ? n : `${prefix}${n[0]?.toUpperCase()}${n.slice(1)}`)
  const of = only === undefined ? sql`currency` : sql`case when ${only} then currency end`
  const none = only === undefined ? sql`currency is null` : sql`${only} and currency is null`
  return [
    sql<string | null>`min(${of})`.as(name('firstCurrency') as P extends '' ? 'firstCurrency' : `${P}FirstCurrency`),
    sql<string | null>`max(${of})`.as(name('lastCurrency') as P extends '' ? 'lastCurrency' : `${P}LastCurrency`),
    sql<number>`coalesce(sum(case when ${none} then 1 else 0 end), 0)`.as(
      name('noCurrency') as P extends '' ? 'noCurrency' : `${P}NoCurrency`,
    ),
  ] as const
}

/** The totals {@link currencyTotalsColumns} selects. */
export interface CurrencyTotals {
  readonly firstCurrency: string | null
  readonly lastCurrency: string | null
  readonly noCurrency: number | string
}

/**
 * The currencies of the deals `base` selects, as stored (null: not stated), each once: from the
 * totals of {@link currencyTotalsColumns} when they hold at most one stated currency, else read
 * again (`select distinct currency`). None for no deal (`count` 0).
 */
export async function currenciesOf(
  // biome-ignore lint/complexity/noBannedTypes: a query with nothing selected yet
  base: SelectQueryBuilder<Database, 'deals', {}>,
  count: number,
  totals: CurrencyTotals | undefined,
): Promise<(string | null)[]> {
  if (count === 0) return []
  const first = totals?.firstCurrency ?? null
  const stated = first === null ? [] : first === totals?.lastCurrency ? [first] : null
  if (stated === null) return (await base.select(sql<string | null>`currency`.as('currency')).distinct().execute()).map((r) => r.currency)
  return [...stated, ...(Number(totals?.noCurrency ?? 0) > 0 ? [null] : [])]
}

/** Answers of {@link findCurrencies} per store, by data version and query; a store's entries go once its version moves. */
const remembered = new WeakMap<Kysely<Database>, { version: string; byQuery: Map<string, Promise<(string | null)[]>> }>()
/** Queries remembered per store and version, at most (each answer is a few currency codes). */
const MAX_REMEMBERED = 256

/**
 * The currencies of the deals `base` selects ({@link currenciesOf}), in one pass over them (two when
 * they state more than one). The answer is remembered for the store's data version (every import
 * and stored sync page moves it): the reports that read the analytics rollup would otherwise scan
 * every deal for a few currency codes on each request.
 * @example await findCurrencies(db, db.selectFrom('deals').where('outcome', '=', 'lost')) // ['EUR', null]
 */
export async function findCurrencies(
  db: Kysely<Database>,
  // biome-ignore lint/complexity/noBannedTypes: a query with nothing selected yet
  base: SelectQueryBuilder<Database, 'deals', {}>,
): Promise<(string | null)[]> {
  const version = await findDataVersion(db)
  let memo = remembered.get(db)
  if (memo?.version !== version) {
    memo = { version, byQuery: new Map() }
    remembered.set(db, memo)
  }
  const compiled = base.compile()
  const key = `${compiled.sql}\u0000${JSON.stringify(compiled.parameters)}`
  const known = memo.byQuery.get(key)
  if (known) return known
  if (memo.byQuery.size >= MAX_REMEMBERED) memo.byQuery.clear()
  const answer = (async () => {
    const totals = await base.select([sql<number>`count(*)`.as('count'), ...currencyTotalsColumns()]).executeTakeFirst()
    return currenciesOf(base, Number(totals?.count ?? 0), totals)
  })()
  memo.byQuery.set(key, answer)
  // A failed read is not remembered.
  answer.catch(() => {
    if (memo?.byQuery.get(key) === answer) memo.byQuery.delete(key)
  })
  return answer
}

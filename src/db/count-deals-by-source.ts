import type { Kysely } from 'kysely'
import type { DealSource } from '../domain/normalized-deal.js'
import type { Database } from './schema.js'

/** Deals stored (archived ones included), in total, by source and by outcome. */
export interface DealCounts {
  total: number
  /** Each source that has deals, by name in ascending order. */
  bySource: Record<string, number>
  open: number
  won: number
  lost: number
}

/** The sources the app writes, in ascending order (the order `bySource` lists them in). */
const SOURCES: readonly DealSource[] = ['csv', 'hubspot', 'salesforce']

/**
 * Counts the stored deals, archived ones included, in total, by source and by outcome. One pass
 * over `deals` with a filtered count per source and outcome: grouping by source and outcome
 * sorted every row first (0.6-0.8 s on a 1M-deal SQLite store, against about 0.2 s). Should a
 * deal carry a source or an outcome the app does not write, the counts come from the grouping
 * instead, so that every source is counted as stored; such an outcome is in the total only.
 *
 * @example await countDealsBySource(db) // { total: 3, bySource: { csv: 2, hubspot: 1 }, open: 1, won: 1, lost: 1 }
 */
export async function countDealsBySource(db: Kysely<Database>): Promise<DealCounts> {
  const row = await db
    .selectFrom('deals')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('total'),
      eb.fn.countAll<number | string>().filterWhere('outcome', '=', 'open').as('open'),
      eb.fn.countAll<number | string>().filterWhere('outcome', '=', 'won').as('won'),
      eb.fn.countAll<number | string>().filterWhere('outcome', '=', 'lost').as('lost'),
      ...SOURCES.map((s) => eb.fn.countAll<number | string>().filterWhere('source', '=', s).as(s)),
    ])
    .executeTakeFirstOrThrow()
  const counts: DealCounts = {
    total: Number(row.total),
    bySource: {},
    open: Number(row.open),
    won: Number(row.won),
    lost: Number(row.lost),
  }
  let known = 0
  for (const s of SOURCES) {
    const n = Number(row[s])
    known += n
    if (n > 0) counts.bySource[s] = n
  }
  if (known === counts.total && counts.open + counts.won + counts.lost === counts.total) return counts
  return countDealsByGrouping(db)
}

/** The outcomes the app writes. */
const OUTCOMES: ReadonlySet<string> = new Set(['open', 'won', 'lost'])

// Every (source, outcome) pair as stored, sources in ascending order whatever the database.
async function countDealsByGrouping(db: Kysely<Database>): Promise<DealCounts> {
  const rows = await db
    .selectFrom('deals')
    .select(['source', 'outcome', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(['source', 'outcome'])
    .orderBy('source')
    .orderBy('outcome')
    .execute()
  const counts: DealCounts = { total: 0, bySource: {}, open: 0, won: 0, lost: 0 }
  for (const r of rows) {
    const n = Number(r.n)
    counts.total += n
    counts.bySource[r.source] = (counts.bySource[r.source] ?? 0) + n
    // An outcome the app does not write ('Won', say, in a hand-edited store) is in the total and
    // its source's count only: reports do not count it as won, lost or open either.
    if (OUTCOMES.has(r.outcome)) counts[r.outcome] += n
  }
  return counts
}

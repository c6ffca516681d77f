import { type Kysely, sql } from 'kysely'
import { dialectOf } from './dialect.js'
import type { ScoringDeal } from './model-deal.js'
import type { Database } from './schema.js'

/** The columns read from the store, in the order of the SQLite JSON rows. */
const COLUMNS = [
  'deal_id',
  'owner_id',
  'created_date',
  'stage',
  'stage_entered_date',
  'amount',
  'amount_band',
  'industry',
  'region',
  'product_type',
  'lead_source',
  'last_activity_date',
  'updated_date',
  'currency',
] as const

type JsonRow = [
  string,
  string,
  string,
  string,
  string | null,
  number,
  string,
  string,
  string,
  string,
  string,
  string | null,
  string | null,
  string | null,
]

/**
 * Every open, non-archived deal with just the columns scoring reads, in no particular order
 * (scoring sorts its result). `closed_date` and `lost_at_stage` are null and `outcome` is `'open'`
 * for every one, so they are not read.
 * On SQLite the deals come back as JSON arrays, about 16k deals per row, from a plain scan of the
 * table: at 100k open deals that is about a third of the CPU of one row object per deal through the
 * driver, and the `outcome` index (which does not cover these columns) costs a table lookup per
 * deal, slower than the scan even when open deals are 7% of a million.
 */
export async function findOpenScoringDeals(db: Kysely<Database>): Promise<ScoringDeal[]> {
  if (dialectOf(db as unknown as Kysely<unknown>) !== 'sqlite') {
    const rows = await db.selectFrom('deals').select(COLUMNS).where('archived', '=', 0).where('outcome', '=', 'open').execute()
    return rows.map((r) => ({ ...r, closed_date: null, outcome: 'open', lost_at_stage: null }))
  }
  // REAL values print with 17 significant digits in SQLite's JSON, so amounts round-trip exactly.
  const { rows } = await sql<{ chunk: string }>`
    SELECT json_group_array(json_array(${sql.join(COLUMNS.map((c) => sql.ref(c)))})) AS chunk
    FROM deals NOT INDEXED
    WHERE archived = 0 AND outcome = 'open'
    GROUP BY rowid >> 14`.execute(db)
  const deals: ScoringDeal[] = []
  for (const { chunk } of rows) {
    for (const r of JSON.parse(chunk) as JsonRow[]) {
      deals.push({
        deal_id: r[0],
        owner_id: r[1],
        created_date: r[2],
        closed_date: null,
        outcome: 'open',
        stage: r[3],
        stage_entered_date: r[4],
        lost_at_stage: null,
        amount: r[5],
        amount_band: r[6],
        industry: r[7],
        region: r[8],
        product_type: r[9],
        lead_source: r[10],
        last_activity_date: r[11],
        updated_date: r[12],
        currency: r[13],
      })
    }
  }
  return deals
}

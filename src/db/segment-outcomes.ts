import { type Kysely, sql } from 'kysely'
import { type DealScope, SEGMENT_COLUMNS, type SegmentFieldName, scopeCondition } from './deal-scope.js'
import type { Database } from './schema.js'

/** Closed deals of one segment: the values of its fields, wins and total. */
export interface SegmentOutcomeRow {
  fields: readonly SegmentFieldName[]
  values: string[]
  won: number
  n: number
}

/**
 * Won and closed counts of deals closed on or before `scope.asOf`, for every value combination of
 * each field set in `fieldSets` (one field for single segments, two for combinations).
 */
export async function findSegmentOutcomes(
  db: Kysely<Database>,
  scope: DealScope,
  fieldSets: readonly (readonly SegmentFieldName[])[],
): Promise<SegmentOutcomeRow[]> {
  const out: SegmentOutcomeRow[] = []
  for (const fields of fieldSets) {
    const columns = fields.map((f) => sql.ref(SEGMENT_COLUMNS[f]))
    const rows = await db
      .selectFrom('deals')
      .where(scopeCondition(scope))
      .where('outcome', 'in', ['won', 'lost'])
      .where('closed_date', '<=', scope.asOf)
      .select([
        ...columns.map((c, i) => sql<string>`${c}`.as(`v${i}`)),
        sql<number>`sum(case when outcome = 'won' then 1 else 0 end)`.as('won'),
        sql<number>`count(*)`.as('n'),
      ])
      .groupBy(columns)
      .execute()
    for (const r of rows as Array<Record<string, unknown>>) {
      out.push({ fields, values: fields.map((_, i) => String(r[`v${i}`])), won: Number(r.won), n: Number(r.n) })
    }
  }
  return out
}

import { type Kysely, sql } from 'kysely'
import { type DealScope, SEGMENT_COLUMNS, type SegmentFieldName, scopeCondition } from './deal-scope.js'
import { findRollupSlice, rollupRows } from './find-rollup-slice.js'
import { ROLLUP_DIMS } from './refresh-analytics-rollup.js'
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
  const slice = await findRollupSlice(db, scope)
  const rolled = new Set(ROLLUP_DIMS.map((d) => d.join(',')))
  for (const fields of fieldSets) {
    const dims = fields.map((f) => SEGMENT_COLUMNS[f]).join(',')
    if (slice && slice.dims === '' && rolled.has(dims)) {
      const rows = await rollupRows(db, 'closed', { ...slice, dims })
        .select(['v1', 'v2', sql<number>`sum(case when d = 1 then n else 0 end)`.as('won'), sql<number>`sum(n)`.as('n')])
        .groupBy(['v1', 'v2'])
        .execute()
      for (const r of rows) out.push({ fields, values: fields.length > 1 ? [r.v1, r.v2] : [r.v1], won: Number(r.won), n: Number(r.n) })
      continue
    }
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

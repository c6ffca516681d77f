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
  const direct: Array<readonly SegmentFieldName[]> = []
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
    direct.push(fields)
  }
  if (direct.length === 0) return out
  // One pass over the closed deals, grouped by every field any set needs (a few thousand groups),
  // then each set added up from those groups: one sort of the deals instead of one per set.
  const fieldsUsed = [...new Set(direct.flat())]
  const columns = fieldsUsed.map((f) => sql.ref(SEGMENT_COLUMNS[f]))
  const groups = (await db
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
    .execute()) as Array<Record<string, unknown>>
  for (const fields of direct) {
    const at = fields.map((f) => fieldsUsed.indexOf(f))
    const sums = new Map<string, SegmentOutcomeRow>()
    for (const g of groups) {
      const values = at.map((i) => String(g[`v${i}`]))
      const key = JSON.stringify(values)
      let row = sums.get(key)
      if (!row) {
        row = { fields, values, won: 0, n: 0 }
        sums.set(key, row)
      }
      row.won += Number(g.won)
      row.n += Number(g.n)
    }
    out.push(...sums.values())
  }
  return out
}

import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely'
import { type DealScope, SEGMENT_COLUMNS, type SegmentFieldName, scopeCondition } from './deal-scope.js'
import { dialectOf } from './dialect.js'
import { findMonthlyRollupSlice, monthlyRollupRows } from './find-rollup-slice.js'
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
 * each field set in `fieldSets` (one field for single segments, two for combinations). A current
 * analytics rollup answers the field sets it keeps for every month closed by "as of"; `deals` are
 * read for the others, and for the days of "as of"'s month up to it.
 */
export async function findSegmentOutcomes(
  db: Kysely<Database>,
  scope: DealScope,
  fieldSets: readonly (readonly SegmentFieldName[])[],
): Promise<SegmentOutcomeRow[]> {
  const out: SegmentOutcomeRow[] = []
  const slice = await findMonthlyRollupSlice(db, scope)
  const rolled = new Set(ROLLUP_DIMS.map((d) => d.join(',')))
  const direct: Array<readonly SegmentFieldName[]> = []
  // Field sets counted from the rollup that still need the days of "as of"'s month from `deals`.
  const topped: Array<{ fields: readonly SegmentFieldName[]; sums: Map<string, SegmentOutcomeRow> }> = []
  for (const fields of fieldSets) {
    const dims = fields.map((f) => SEGMENT_COLUMNS[f]).join(',')
    if (slice && slice.dims === '' && rolled.has(dims)) {
      const rows = await monthlyRollupRows(db, 'closed', { ...slice, dims })
        .select(['v1', 'v2', sql<number>`sum(case when d = 1 then n else 0 end)`.as('won'), sql<number>`sum(n)`.as('n')])
        .groupBy(['v1', 'v2'])
        .execute()
      const segments = rows.map((r) => ({ fields, values: fields.length > 1 ? [r.v1, r.v2] : [r.v1], won: Number(r.won), n: Number(r.n) }))
      if (slice.readFrom === null) out.push(...segments)
      else topped.push({ fields, sums: new Map(segments.map((r) => [JSON.stringify(r.values), r])) })
      continue
    }
    direct.push(fields)
  }
  if (direct.length > 0) {
    const sums = await addUpGroups(db, scope, null, direct)
    for (const fields of direct) out.push(...(sums.get(fields)?.values() ?? []))
  }
  if (slice?.readFrom && topped.length > 0) {
    const sums = await addUpGroups(
      db,
      scope,
      slice.readFrom,
      topped.map((t) => t.fields),
      new Map(topped.map((t) => [t.fields, t.sums])),
    )
    for (const t of topped) out.push(...(sums.get(t.fields)?.values() ?? []))
  }
  return out
}

/**
 * Closed deals in scope (closed on or after `from`, when given) added up for each field set in
 * `sets`, into `into` when given (value combinations keyed by their JSON): one pass over the deals,
 * grouped by every field any set needs (a few thousand groups), then each set added up from those
 * groups, so one sort of the deals instead of one per set.
 */
async function addUpGroups(
  db: Kysely<Database>,
  scope: DealScope,
  from: string | null,
  sets: ReadonlyArray<readonly SegmentFieldName[]>,
  into: Map<readonly SegmentFieldName[], Map<string, SegmentOutcomeRow>> = new Map(),
  only?: DealCondition,
): Promise<Map<readonly SegmentFieldName[], Map<string, SegmentOutcomeRow>>> {
  const fieldsUsed = [...new Set(sets.flat())]
  const columns = fieldsUsed.map((f) => sql.ref(SEGMENT_COLUMNS[f]))
  const groups =
    dialectOf(db as unknown as Kysely<unknown>) === 'sqlite'
      ? await groupsFromSqliteChunks(db, scope, columns, from, only)
      : await groupsBySql(db, scope, columns, from, only)
  for (const fields of sets) {
    const at = fields.map((f) => fieldsUsed.indexOf(f))
    const sums = into.get(fields) ?? new Map<string, SegmentOutcomeRow>()
    into.set(fields, sums)
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
  }
  return into
}

type Groups = Array<Record<string, unknown>>

/** Closed deals in scope grouped by `columns` (`v0`, `v1`, ..., `won`, `n`) in SQL. */
async function groupsBySql(
  db: Kysely<Database>,
  scope: DealScope,
  columns: ReturnType<typeof sql.ref>[],
  from: string | null,
  only?: DealCondition,
): Promise<Groups> {
  return (await closedDeals(db, scope, from, only)
    .select([
      ...columns.map((c, i) => sql<string>`${c}`.as(`v${i}`)),
      sql<number>`sum(case when outcome = 'won' then 1 else 0 end)`.as('won'),
      sql<number>`count(*)`.as('n'),
    ])
    .groupBy(columns)
    .execute()) as Groups
}

/**
 * {@link groupsBySql} on SQLite: the closed deals' values come back as JSON arrays, about 16k deals
 * per row, from a plain scan, and are counted here. SQLite groups by sorting, and sorting a
 * million closed deals by six text columns took 1.6-2.9 s against 1.2-2.1 s for this.
 */
async function groupsFromSqliteChunks(
  db: Kysely<Database>,
  scope: DealScope,
  columns: ReturnType<typeof sql.ref>[],
  from: string | null,
  only?: DealCondition,
): Promise<Groups> {
  const rows = await closedDeals(db, scope, from, only)
    .select(sql<string>`json_group_array(json_array(${sql.join([...columns, sql.ref('outcome')])}))`.as('chunk'))
    .groupBy(sql`rowid >> 14`)
    .execute()
  const groups = new Map<string, Record<string, unknown>>()
  const k = columns.length
  for (const { chunk } of rows) {
    for (const values of JSON.parse(chunk) as unknown[][]) {
      let key = ''
      for (let i = 0; i < k; i++) key += `${values[i] === null ? '\u0001' : String(values[i])}\u0000`
      let g = groups.get(key)
      if (!g) {
        g = { won: 0, n: 0 }
        for (let i = 0; i < k; i++) g[`v${i}`] = values[i]
        groups.set(key, g)
      }
      ;(g.n as number)++
      if (values[k] === 'won') (g.won as number)++
    }
  }
  return [...groups.values()]
}

/** Deals to count beyond the scope's: when given, only those this condition holds for. */
type DealCondition = (eb: ExpressionBuilder<Database, 'deals'>) => Expression<SqlBool>

// Deals in scope closed on or before "as of" (and on or after `from`, when given), and meeting `only`.
function closedDeals(db: Kysely<Database>, scope: DealScope, from: string | null, only?: DealCondition) {
  const q = db
    .selectFrom('deals')
    .where(scopeCondition(scope))
    .where('outcome', 'in', ['won', 'lost'])
    .where('closed_date', '<=', scope.asOf)
  const since = from === null ? q : q.where('closed_date', '>=', from)
  return only ? since.where(only) : since
}

/** At most this many values are listed in one query of {@link findValuePairOutcomes}. */
const MAX_LISTED_VALUES = 10_000

/** Two fields and, for each, the values whose combinations {@link findValuePairOutcomes} counts. */
export interface ValuePairs {
  readonly fields: readonly [SegmentFieldName, SegmentFieldName]
  readonly values: readonly [readonly string[], readonly string[]]
}

/**
 * Won and closed counts of deals closed on or before `scope.asOf` for the value combinations of each
 * field pair in `pairs` whose first value is one of its first list and second one of its second
 * (as stored, exactly): one pass over the closed deals that have such a combination, read from
 * `deals` (the rollup keeps only the driver pairs). Other combinations of those fields may come back
 * too, counting only some of their deals; callers look up the ones they asked for.
 */
export async function findValuePairOutcomes(
  db: Kysely<Database>,
  scope: DealScope,
  pairs: readonly ValuePairs[],
): Promise<SegmentOutcomeRow[]> {
  const asked = pairs.filter((p) => p.values[0].length > 0 && p.values[1].length > 0)
  if (asked.length === 0) return []
  // So many values that listing them would pass a database's limit on a query's parameters
  // (SQLite's 32,766): every closed deal is counted instead.
  const listed = asked.reduce((t, p) => t + p.values[0].length + p.values[1].length, 0)
  const only: DealCondition | undefined =
    listed > MAX_LISTED_VALUES
      ? undefined
      : (eb) =>
          eb.or(
            asked.map((p) =>
              eb.and([
                eb(sql.ref(`deals.${SEGMENT_COLUMNS[p.fields[0]]}`), 'in', [...p.values[0]]),
                eb(sql.ref(`deals.${SEGMENT_COLUMNS[p.fields[1]]}`), 'in', [...p.values[1]]),
              ]),
            ),
          )
  const sets = asked.map((p) => p.fields)
  const sums = await addUpGroups(db, scope, null, sets, new Map(), only)
  return sets.flatMap((fields) => [...(sums.get(fields)?.values() ?? [])])
}

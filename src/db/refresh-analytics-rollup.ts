import type { Kysely } from 'kysely'
import { DEFAULT_STAGES } from '../config.js'
import { type BuiltRollup, createRollupBuilder, type RollupDealRecord } from '../domain/create-rollup-builder.js'
import { stagesFromNames } from '../domain/stages-from-names.js'
import { findDataVersion } from './find-data-version.js'
import type { Store } from './open-store.js'
import { findStageOrder } from './save-stage-order.js'
import type { Database } from './schema.js'

export { ROLLUP_DIMS, ROLLUP_MAX_DAYS } from '../domain/create-rollup-builder.js'

/** Deals read per query: each SQLite query returns one JSON text, as better-sqlite3 pays per value returned. */
const CHUNK = 10_000

/** The `deals` columns the rollup reads, after the key, in the order of {@link recordOf}. */
const DEAL_FIELDS = [
  'region',
  'industry',
  'product_type',
  'lead_source',
  'owner_id',
  'amount_band',
  'amount',
  'outcome',
  'created_date',
  'closed_date',
  'stage',
  'lost_at_stage',
  'stage_entered_date',
  'last_activity_date',
  'updated_date',
  'archived',
] as const

/** Reads one deal's fields from a flat array of values at `i` (after its key) into `into`. */
function recordOf(v: readonly unknown[], i: number, into: RollupDealRecord): RollupDealRecord {
  into.region = v[i] as string
  into.industry = v[i + 1] as string
  into.product_type = v[i + 2] as string
  into.lead_source = v[i + 3] as string
  into.owner_id = v[i + 4] as string
  into.amount_band = v[i + 5] as string
  into.amount = Number(v[i + 6])
  into.outcome = v[i + 7] as string
  into.created_date = v[i + 8] as string
  into.closed_date = v[i + 9] as string | null
  into.stage = v[i + 10] as string
  into.lost_at_stage = v[i + 11] as string | null
  into.stage_entered_date = v[i + 12] as string | null
  into.last_activity_date = v[i + 13] as string | null
  into.updated_date = v[i + 14] as string | null
  into.archived = Number(v[i + 15]) !== 0
  return into
}

const blankRecord = (): RollupDealRecord => recordOf(new Array(DEAL_FIELDS.length).fill(null), 0, {} as RollupDealRecord)

/**
 * The open stages the rollup's funnel uses: the stored stage order, else the default one.
 */
export async function rollupOpenStages(db: Kysely<Database>): Promise<string[]> {
  const stored = await findStageOrder(db)
  return (stored.length > 0 ? stored : stagesFromNames(DEFAULT_STAGES)).filter((s) => !s.isClosed).map((s) => s.name)
}

/**
 * Rebuilds `analytics_rollup` from the stored deals and stays, on SQLite or PostgreSQL: the
 * deals are read in chunks of 10,000 (by rowid on SQLite, by deal id on PostgreSQL), each
 * followed by their stays, into {@link createRollupBuilder}, which derives and adds up the
 * facts (so memory stays flat). Reports use the rollup while `meta.data_version` is unchanged and
 * "as of" is on or after the newest date in the data; any other query reads `deals`. Returns
 * false (and leaves no rollup) when the data does not fit it (see `RollupBuilder.finish`).
 */
export async function refreshAnalyticsRollup(store: Store): Promise<boolean> {
  if (!(await hasRollupTables(store))) return false
  const openStages = await rollupOpenStages(store.db)
  const dataVersion = await findDataVersion(store.db)
  const built = store.sqlite ? buildFromSqlite(store.sqlite, openStages) : await buildFromPostgres(store, openStages)
  await writeAnalyticsRollup(store, built, { dataVersion, openStages })
  return built !== null
}

// A database made before the analytics migration had its tables has none: reports then read `deals`.
async function hasRollupTables(store: Store): Promise<boolean> {
  if (store.sqlite) {
    return store.sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'analytics_rollup_state'`).get() !== undefined
  }
  const found = await store.db
    .selectFrom('analytics_rollup_state')
    .select('id')
    .limit(1)
    .execute()
    .then(() => true)
    .catch(() => false)
  return found
}

/**
 * Replaces the stored rollup with `built` (none when null), recording the data version and the
 * open stages it was built for; does nothing when `meta.dataVersion` is no longer the store's
 * (newer data was committed while it was built). On SQLite, inside any transaction already open on the
 * connection (a bulk import writes it before its commit); on PostgreSQL in its own transaction.
 */
export async function writeAnalyticsRollup(
  store: Store,
  built: BuiltRollup | null,
  meta: { dataVersion: string; openStages: readonly string[] },
): Promise<void> {
  const sqlite = store.sqlite
  if (sqlite) {
    const write = sqlite.transaction(() => {
      // Data committed since this rollup was built (a concurrent import's) has, or will get, its own.
      const current = sqlite.prepare(`SELECT value FROM meta WHERE key = 'data_version'`).pluck().get() as string | undefined
      if ((current ?? '') !== meta.dataVersion) return
      sqlite.prepare('DELETE FROM analytics_rollup').run()
      sqlite.prepare('DELETE FROM analytics_rollup_state').run()
      if (!built) return
      const insert = sqlite.prepare(
        'INSERT INTO analytics_rollup (kind, dims, v1, v2, k1, k2, d, n, amount, days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      for (const r of built.rows) insert.run(r)
      sqlite.prepare(`INSERT INTO analytics_rollup_state ${STATE_COLUMNS} VALUES (1, ?, ?, ?, ?, ?)`).run(stateValues(built, meta))
    })
    // Standalone, take the write lock first: read-then-write in one snapshot, whoever else writes.
    if (sqlite.inTransaction) write()
    else write.immediate()
    return
  }
  const client = await (store.pgPool as NonNullable<Store['pgPool']>).connect()
  try {
    await client.query('BEGIN')
    // The meta row lock orders this write after any import still committing a newer version;
    // a rollup built from data that is no longer current is not stored (the newer data's refresh
    // stores its own), so reports keep the current one.
    const current = await client.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'data_version' FOR UPDATE`)
    if ((current.rows[0]?.value ?? '') !== meta.dataVersion) {
      await client.query('ROLLBACK')
      return
    }
    for (const statement of postgresRollupWrites(built, meta)) await client.query(statement.text, statement.values)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * The statements that replace the stored rollup on PostgreSQL with `built` (as
 * {@link writeAnalyticsRollup}), to run inside a transaction the caller holds: a bulk import
 * runs them before its commit.
 */
export function postgresRollupWrites(
  built: BuiltRollup | null,
  meta: { dataVersion: string; openStages: readonly string[] },
): Array<{ text: string; values: unknown[] }> {
  const out: Array<{ text: string; values: unknown[] }> = [
    { text: 'DELETE FROM analytics_rollup', values: [] },
    { text: 'DELETE FROM analytics_rollup_state', values: [] },
  ]
  if (!built) return out
  // Ten arrays per statement, one element per row.
  for (let i = 0; i < built.rows.length; i += 20_000) {
    const rows = built.rows.slice(i, i + 20_000)
    out.push({
      text: `INSERT INTO analytics_rollup (kind, dims, v1, v2, k1, k2, d, n, amount, days)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::float8[], $9::float8[], $10::float8[])`,
      values: Array.from({ length: 10 }, (_, c) => rows.map((r) => r[c])),
    })
  }
  out.push({ text: `INSERT INTO analytics_rollup_state ${STATE_COLUMNS} VALUES (1, $1, $2, $3, $4, $5)`, values: stateValues(built, meta) })
  return out
}

const STATE_COLUMNS = '(id, data_version, horizon, history, open_stages, built_at)'

/** The `analytics_rollup_state` row after its id: what the rollup was built from, and when. */
function stateValues(built: BuiltRollup, meta: { dataVersion: string; openStages: readonly string[] }): unknown[] {
  return [meta.dataVersion, built.horizon, built.history ? 1 : 0, JSON.stringify(meta.openStages), new Date().toISOString()]
}

function buildFromSqlite(sqlite: NonNullable<Store['sqlite']>, openStages: readonly string[]): BuiltRollup | null {
  const history = sqlite.prepare('SELECT 1 FROM stage_history LIMIT 1').get() !== undefined
  const last = (sqlite.prepare('SELECT max(rowid) AS last FROM deals').get() as { last: number | null }).last ?? -1
  const builder = createRollupBuilder({ openStages, history, capacity: last + 1 })
  const dealChunk = sqlite
    .prepare(`SELECT ${jsonList(['rowid', ...DEAL_FIELDS].map((c) => `json_quote(${c})`))} FROM deals WHERE rowid BETWEEN ? AND ?`)
    .pluck()
  const stayChunk = sqlite
    .prepare(
      `SELECT ${jsonList(['d.rowid', 'json_quote(sh.stage)', 'json_quote(sh.entered_at)', 'json_quote(sh.left_at)'])}
       FROM deals d JOIN stage_history sh ON sh.deal_id = d.deal_id WHERE d.archived = 0 AND d.rowid BETWEEN ? AND ?`,
    )
    .pluck()
  const record = blankRecord()
  const width = DEAL_FIELDS.length + 1
  for (let from = 0; from <= last; from += CHUNK) {
    const deals = dealChunk.get(from, from + CHUNK - 1) as string | null
    if (deals === null) continue
    const v = JSON.parse(deals) as unknown[]
    for (let i = 0; i < v.length; i += width) builder.addDeal(v[i] as number, recordOf(v, i + 1, record))
    if (!history) continue
    const stays = stayChunk.get(from, from + CHUNK - 1) as string | null
    if (stays === null) continue
    const s = JSON.parse(stays) as unknown[]
    for (let i = 0; i < s.length; i += 4) builder.addStay(s[i] as number, s[i + 1] as string, s[i + 2] as string, s[i + 3] as string | null)
  }
  return builder.finish()
}

async function buildFromPostgres(store: Store, openStages: readonly string[]): Promise<BuiltRollup | null> {
  const pool = store.pgPool
  if (!pool) return null
  const history = (await pool.query('SELECT 1 FROM stage_history LIMIT 1')).rowCount !== 0
  const total = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM deals')).rows[0]?.n ?? 0)
  const builder = createRollupBuilder({ openStages, history, capacity: total + 1 })
  const record = blankRecord()
  let after = ''
  let key = 0
  for (;;) {
    // One row per chunk, one array of values (row mode), keyset-paged by deal id.
    const page = await pool.query({
      text: `SELECT deal_id, ${DEAL_FIELDS.join(', ')} FROM deals WHERE deal_id > $1 ORDER BY deal_id LIMIT ${CHUNK}`,
      values: [after],
      rowMode: 'array',
    })
    if (page.rows.length === 0) break
    const keys = new Map<string, number>()
    for (const row of page.rows as unknown[][]) {
      keys.set(row[0] as string, key)
      builder.addDeal(key++, recordOf(row, 1, record))
    }
    const first = (page.rows[0] as unknown[])[0] as string
    after = (page.rows[page.rows.length - 1] as unknown[])[0] as string
    if (history) {
      const stays = await pool.query({
        text: `SELECT sh.deal_id, sh.stage, sh.entered_at, sh.left_at FROM stage_history sh JOIN deals d ON d.deal_id = sh.deal_id
               WHERE d.archived = 0 AND sh.deal_id >= $1 AND sh.deal_id <= $2`,
        values: [first, after],
        rowMode: 'array',
      })
      for (const s of stays.rows as unknown[][]) {
        const k = keys.get(s[0] as string)
        if (k !== undefined) builder.addStay(k, s[1] as string, s[2] as string, s[3] as string | null)
      }
    }
    if (page.rows.length < CHUNK) break
  }
  return builder.finish()
}

/** An aggregate giving the rows' values (each a JSON text, never null), in order, as one flat JSON array (null when there are no rows). */
function jsonList(expressions: readonly string[]): string {
  return `'[' || group_concat(${expressions.join(` || ',' || `)}) || ']'`
}

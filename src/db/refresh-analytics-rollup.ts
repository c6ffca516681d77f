import type SqliteDatabase from 'better-sqlite3'
import { DEFAULT_STAGES } from '../config.js'
import { monthRange } from '../domain/dates.js'
import type { Store } from './open-store.js'
import { findStageOrder, stagesFromNames } from './save-stage-order.js'

/** The dimension sets of the rollup: all deals, each segment field, and the driver pairs (`deals` columns). */
export const ROLLUP_DIMS = [
  [],
  ['region'],
  ['industry'],
  ['product_type'],
  ['lead_source'],
  ['owner_id'],
  ['amount_band'],
  ['region', 'amount_band'],
  ['region', 'product_type'],
] as const

/** Stays and gaps longer than this many days are stored as this many plus one. */
export const ROLLUP_MAX_DAYS = 1000
const MAX_STAGE_IDS = 32
const MAX_MONTHS = 600
/** Dimension sets (indexes into ROLLUP_DIMS) each kind is kept for; pairs only serve the drivers. */
const SINGLE_SETS = [0, 1, 2, 3, 4, 5, 6]
const ALL_SETS = [0, 1, 2, 3, 4, 5, 6, 7, 8]
const OUTCOMES = ['won', 'lost', 'open'] as const
/** Pair segment ids are a * PAIR + b; more distinct values in a field than this and no rollup is built. */
const PAIR = 4096

function* cellsOf(sets: ReadonlyArray<Map<number, Float64Array>>): Generator<[number, number, Float64Array]> {
  for (const [s, m] of sets.entries()) for (const [key, c] of m) yield [s, key, c]
}

/**
 * Rebuilds `analytics_rollup` from the deals (SQLite only; elsewhere the reports read `deals`
 * directly): one streamed pass over the deals and their stage history, aggregated into small
 * per-segment arrays, so no deal is kept in memory. Reports use the rollup while
 * `meta.data_version` is unchanged and "as of" is on or after the newest date in the data; any
 * other query reads `deals`. Returns false (and leaves no rollup) when the data does not fit it
 * (more than 32 stage names or 600 months).
 */
export async function refreshAnalyticsRollup(store: Store): Promise<boolean> {
  const sqlite = store.sqlite
  if (!sqlite) return false
  // A database made before the analytics migration had its tables has none: reports then read `deals`.
  if (sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'analytics_rollup_state'`).get() === undefined)
    return false
  const stored = await findStageOrder(store.db)
  const openStages = (stored.length > 0 ? stored : stagesFromNames(DEFAULT_STAGES)).filter((s) => !s.isClosed).map((s) => s.name)
  const built = buildRollup(sqlite, openStages)
  const write = sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM analytics_rollup').run()
    sqlite.prepare('DELETE FROM analytics_rollup_state').run()
    if (!built) return
    const insert = sqlite.prepare(
      'INSERT INTO analytics_rollup (kind, dims, v1, v2, k1, k2, d, n, amount, days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    for (const r of built.rows) insert.run(r)
    sqlite
      .prepare('INSERT INTO analytics_rollup_state (id, data_version, horizon, history, open_stages, built_at) VALUES (1, ?, ?, ?, ?, ?)')
      .run(built.dataVersion, built.horizon, built.history ? 1 : 0, JSON.stringify(openStages), new Date().toISOString())
  })
  write()
  return built !== null
}

type Row = [string, string, string, string, string, string, number, number, number, number]

interface Built {
  rows: Row[]
  dataVersion: string
  horizon: string
  history: boolean
}

function buildRollup(sqlite: SqliteDatabase.Database, openStages: readonly string[]): Built | null {
  const dataVersion =
    (sqlite.prepare(`SELECT value FROM meta WHERE key = 'data_version'`).get() as { value: string } | undefined)?.value ?? ''
  const history = sqlite.prepare('SELECT 1 FROM stage_history LIMIT 1').get() !== undefined
  const created = sqlite.prepare('SELECT min(created_month) lo, max(created_month) hi FROM deals').get() as {
    lo: string | null
    hi: string | null
  }
  if (created.lo === null || created.hi === null) return { rows: [], dataVersion, horizon: '0000-00-00', history }
  let lo = created.lo
  let hi = created.hi
  for (const outcome of ['won', 'lost']) {
    const c = sqlite.prepare('SELECT min(closed_month) lo, max(closed_month) hi FROM deals WHERE outcome = ?').get(outcome) as {
      lo: string | null
      hi: string | null
    }
    if (c.lo !== null && c.lo < lo) lo = c.lo
    if (c.hi !== null && c.hi > hi) hi = c.hi
  }
  const months = monthRange(lo, hi)
  if (months.length > MAX_MONTHS) return null
  const monthIndex = new Map(months.map((m, i) => [m, i]))
  const M = months.length
  const K = openStages.length
  const position = new Map(openStages.map((s, i) => [s, i]))

  const stageNames: string[] = []
  const stageIds = new Map<string, number>()
  let overflow = false
  const stageId = (name: string): number => {
    let id = stageIds.get(name)
    if (id === undefined) {
      id = stageNames.length
      if (id >= MAX_STAGE_IDS) {
        overflow = true
        return 0
      }
      stageIds.set(name, id)
      stageNames.push(name)
    }
    return id
  }
  // Field values -> small ids, per dimension column.
  const columns = ['region', 'industry', 'product_type', 'lead_source', 'owner_id', 'amount_band'] as const
  const valueNames = columns.map(() => [] as string[])
  const valueIds = columns.map(() => new Map<string, number>())
  const valueId = (c: number, v: string): number => {
    const ids = valueIds[c] as Map<string, number>
    let id = ids.get(v)
    if (id === undefined) {
      id = (valueNames[c] as string[]).length
      ids.set(v, id)
      ;(valueNames[c] as string[]).push(v)
    }
    return id
  }
  const dayCache = new Map<string, number>()
  const day = (date: string): number => {
    const d = date.length > 10 ? date.slice(0, 10) : date
    let n = dayCache.get(d)
    if (n === undefined) {
      n = Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000)
      dayCache.set(d, n)
    }
    return n
  }

  const S1 = MAX_STAGE_IDS + 1
  const D = ROLLUP_MAX_DAYS + 2
  // Per kind and dimension set: segment id -> cells (a single field's value id, or a * 4096 + b for a pair).
  const perSet = () => ALL_SETS.map(() => new Map<number, Float64Array>())
  const kinds = { closed: perSet(), created: perSet(), funnel: perSet(), staleClosed: perSet(), stayDone: perSet() }
  const setColumns = ROLLUP_DIMS.map((dims) => dims.map((d) => columns.indexOf(d)))
  const sizes = { closed: M * S1 * 3, created: M * 2, funnel: 3 * S1 * (K + 1), staleClosed: D, stayDone: MAX_STAGE_IDS * D }
  const stayOpen = new Map<string, number>()
  const keys = new Array<number>(ALL_SETS.length).fill(0)
  const block = (kind: keyof typeof kinds, s: number): Float64Array => {
    const m = kinds[kind][s] as Map<number, Float64Array>
    const key = keys[s] as number
    let b = m.get(key)
    if (!b) {
      b = new Float64Array(sizes[kind])
      m.set(key, b)
    }
    return b
  }
  const ids = [0, 0, 0, 0, 0, 0]
  const capDays = (n: number) => (n < 0 ? 0 : n > ROLLUP_MAX_DAYS ? ROLLUP_MAX_DAYS + 1 : n)
  let horizon = '0000-00-00'

  // The deal being read (its stage-history rows arrive one after another) and its history facts.
  let current: unknown[] | null = null
  let furthest = -1

  const finishDeal = (r: unknown[]) => {
    const outcome = r[8] as string
    const amount = r[7] as number
    const closedDate = r[12] as string | null
    const createdDate = r[11] as string
    for (let c = 0; c < 6; c++) ids[c] = valueId(c, r[c + 1] as string)
    for (let s = 1; s < ALL_SETS.length; s++) {
      const cs = setColumns[s] as number[]
      const a = ids[cs[0] as number] as number
      keys[s] = cs.length > 1 ? a * PAIR + (ids[cs[1] as number] as number) : a
    }
    if (createdDate > horizon) horizon = createdDate
    const cm = monthIndex.get(r[9] as string) as number
    for (const s of SINGLE_SETS) {
      const c = block('created', s)
      c[cm * 2]! += 1
      c[cm * 2 + 1]! += amount
    }
    const lostStage = outcome === 'lost' ? ((r[14] as string | null) ?? (r[13] as string)) : null
    if (outcome !== 'open' && closedDate !== null) {
      if (closedDate > horizon) horizon = closedDate
      const m = monthIndex.get(r[10] as string) as number
      const os = lostStage === null ? 0 : 1 + stageId(lostStage)
      const spent = day(closedDate) - day(createdDate)
      const cell = (m * S1 + os) * 3
      for (const s of ALL_SETS) {
        const c = block('closed', s)
        c[cell]! += 1
        c[cell + 1]! += amount
        c[cell + 2]! += spent
      }
      const touch = lastTouchBefore(r[15] as string | null, r[16] as string | null, closedDate)
      if (touch !== null) {
        const gap = capDays(day(closedDate) - day(touch))
        for (const s of SINGLE_SETS) block('staleClosed', s)[gap]! += 1
      }
    }
    const o = outcome === 'won' ? 0 : outcome === 'lost' ? 1 : 2
    const at = o === 0 ? MAX_STAGE_IDS : stageId(lostStage ?? (r[13] as string))
    const f = history && furthest >= 0 ? furthest : K
    const fcell = (o * S1 + at) * (K + 1) + f
    for (const s of SINGLE_SETS) block('funnel', s)[fcell]! += 1
    if (!history) {
      const entered = r[17] as string | null
      if (outcome === 'open') addOpenStay(r[13] as string, entered ?? createdDate)
      else if (outcome === 'lost' && entered !== null && closedDate !== null)
        addDoneStay(lostStage as string, day(closedDate) - day(entered))
    }
  }
  const addOpenStay = (stage: string, entered: string) => {
    const id = stageId(stage)
    for (const s of SINGLE_SETS) {
      const k = `${s}|${keys[s]}|${id}|${entered.slice(0, 10)}`
      stayOpen.set(k, (stayOpen.get(k) ?? 0) + 1)
    }
  }
  const addDoneStay = (stage: string, days: number) => {
    const cell = stageId(stage) * D + capDays(days)
    for (const s of SINGLE_SETS) block('stayDone', s)[cell]! += 1
  }

  const select = `SELECT d.deal_id, d.region, d.industry, d.product_type, d.lead_source, d.owner_id, d.amount_band, d.amount, d.outcome,
      d.created_month, d.closed_month, d.created_date, d.closed_date, d.stage, d.lost_at_stage, d.last_activity_date, d.updated_date, d.stage_entered_date`
  const sql = history
    ? `${select}, sh.stage, sh.entered_at, sh.left_at FROM deals d LEFT JOIN stage_history sh ON sh.deal_id = d.deal_id WHERE d.archived = 0`
    : `${select} FROM deals d WHERE d.archived = 0`
  // History stays need the deal's segment keys, which are set when the deal is finished; so
  // stays are buffered per deal (a handful of rows) and added after it.
  let stays: Array<[string, string, string | null]> = []
  const flush = () => {
    if (!current) return
    finishDeal(current)
    for (const [stage, enteredAt, end] of stays) {
      const entered = enteredAt.slice(0, 10)
      if (entered > horizon) horizon = entered
      if (end !== null) {
        if (end.slice(0, 10) > horizon) horizon = end.slice(0, 10)
        addDoneStay(stage, day(end) - day(entered))
      } else addOpenStay(stage, entered)
    }
  }
  for (const r of sqlite.prepare(sql).raw().iterate() as IterableIterator<unknown[]>) {
    if (current === null || r[0] !== current[0]) {
      flush()
      current = r
      furthest = -1
      stays = []
    }
    if (history && r[18] !== null) {
      const stage = r[18] as string
      const entered = (r[19] as string).slice(0, 10)
      // As stayEndSql / validStaySql: a closed deal's stays end by its close; a stay ending before it starts is skipped.
      const left = r[20] as string | null
      const closedAt = (r[8] as string) !== 'open' ? (r[12] as string | null) : null
      const end = closedAt !== null && (left === null || left.slice(0, 10) > closedAt) ? closedAt : left
      if (end !== null && end.slice(0, 10) < entered) continue
      stays.push([stage, r[19] as string, end])
      const p = position.get(stage)
      if (p !== undefined && p > furthest) furthest = p
    }
  }
  flush()
  if (overflow || valueNames.some((v) => v.length > PAIR)) return null

  const rows: Row[] = []
  const label = (s: number, key: number): [string, string, string] => {
    const dims = ROLLUP_DIMS[s] as readonly string[]
    const a = dims.length > 1 ? Math.floor(key / PAIR) : key
    const b = dims.length > 1 ? key % PAIR : 0
    const name = (i: number, id: number) => (valueNames[columns.indexOf(dims[i] as (typeof columns)[number])] as string[])[id] as string
    return [dims.join(','), dims.length > 0 ? name(0, a) : '', dims.length > 1 ? name(1, b) : '']
  }
  for (const [s, key, c] of cellsOf(kinds.closed)) {
    const [dims, v1, v2] = label(s, key)
    for (let m = 0; m < M; m++) {
      for (let os = 0; os < S1; os++) {
        const cell = (m * S1 + os) * 3
        if (c[cell] === 0) continue
        rows.push([
          'closed',
          dims,
          v1,
          v2,
          months[m] as string,
          os === 0 ? '' : (stageNames[os - 1] as string),
          os === 0 ? 1 : 0,
          c[cell] as number,
          c[cell + 1] as number,
          c[cell + 2] as number,
        ])
      }
    }
  }
  for (const [s, key, c] of cellsOf(kinds.created)) {
    const [dims, v1, v2] = label(s, key)
    for (let m = 0; m < M; m++)
      if (c[m * 2] !== 0) rows.push(['created', dims, v1, v2, months[m] as string, '', 0, c[m * 2] as number, c[m * 2 + 1] as number, 0])
  }
  for (const [s, key, c] of cellsOf(kinds.funnel)) {
    const [dims, v1, v2] = label(s, key)
    for (let o = 0; o < 3; o++) {
      for (let at = 0; at < S1; at++) {
        for (let f = 0; f <= K; f++) {
          const n = c[(o * S1 + at) * (K + 1) + f] as number
          if (n === 0) continue
          rows.push([
            'funnel',
            dims,
            v1,
            v2,
            OUTCOMES[o] as string,
            at === MAX_STAGE_IDS ? '' : (stageNames[at] as string),
            f === K ? -1 : f,
            n,
            0,
            0,
          ])
        }
      }
    }
  }
  for (const [s, key, c] of cellsOf(kinds.staleClosed)) {
    const [dims, v1, v2] = label(s, key)
    for (let g = 0; g < D; g++) if (c[g] !== 0) rows.push(['stale_closed', dims, v1, v2, '', '', g, c[g] as number, 0, 0])
  }
  for (const [s, key, c] of cellsOf(kinds.stayDone)) {
    const [dims, v1, v2] = label(s, key)
    for (let st = 0; st < stageNames.length; st++) {
      for (let d = 0; d < D; d++) {
        const n = c[st * D + d] as number
        if (n !== 0) rows.push(['stay_done', dims, v1, v2, stageNames[st] as string, '', d, n, 0, 0])
      }
    }
  }
  for (const [k, n] of stayOpen) {
    const [s, key, id, entered] = k.split('|') as [string, string, string, string]
    const [dims, v1, v2] = label(Number(s), Number(key))
    rows.push(['stay_open', dims, v1, v2, stageNames[Number(id)] as string, entered, 0, n, 0, 0])
  }
  return { rows, dataVersion, horizon, history }
}

/** The last touch strictly before the close (`isStale`'s closed branch). */
function lastTouchBefore(activity: string | null, updated: string | null, closed: string): string | null {
  const a = activity !== null && activity < closed ? activity : null
  const u = updated !== null && updated < closed ? updated : null
  if (a === null) return u
  if (u === null) return a
  return a > u ? a : u
}

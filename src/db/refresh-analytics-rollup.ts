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
/** Deals (by rowid) read per query: each query returns one JSON text, as better-sqlite3 pays per value returned. */
const CHUNK = 10_000
/** Separates a deal's six segment values in one string. */
const SEP = '\u001f'
const COMBO_SQL =
  'region || char(31) || industry || char(31) || product_type || char(31) || lead_source || char(31) || owner_id || char(31) || amount_band'

function* cellsOf(sets: ReadonlyArray<Map<number, Float64Array>>): Generator<[number, number, Float64Array]> {
  for (const [s, m] of sets.entries()) for (const [key, c] of m) yield [s, key, c]
}

/**
 * Rebuilds `analytics_rollup` from the deals (SQLite only; elsewhere the reports read `deals`
 * directly). Two passes over the deals by rowid range, 10,000 deals per query: one for the deals'
 * own facts (segment values, months, close and last-touch dates), one for their stays clipped at
 * the close. Each query returns one JSON text (better-sqlite3 costs about a microsecond per row
 * returned, `JSON.parse` far less); JavaScript counts the days and adds everything into small
 * per-segment arrays, so memory stays flat. Reports use the rollup while `meta.data_version` is
 * unchanged and "as of" is on or after the newest date in the data; any other query reads
 * `deals`. Returns false (and leaves no rollup) when the data does not fit it (more than 32 stage
 * names, 600 months, 4,096 values in one field, or a value holding U+001F).
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
  // One scan for the month range (all deals, as the reports' months) and the newest created and close dates.
  const range = sqlite
    .prepare(
      `SELECT min(created_month) lo, max(created_month) hi,
        min(CASE WHEN outcome IN ('won', 'lost') THEN closed_month END) clo, max(CASE WHEN outcome IN ('won', 'lost') THEN closed_month END) chi,
        max(CASE WHEN archived = 0 THEN created_date END) hc, max(CASE WHEN archived = 0 AND outcome <> 'open' THEN closed_date END) hd,
        max(rowid) last FROM deals`,
    )
    .get() as Record<'lo' | 'hi' | 'clo' | 'chi' | 'hc' | 'hd', string | null> & { last: number | null }
  if (range.lo === null || range.hi === null) return { rows: [], dataVersion, horizon: '0000-00-00', history }
  const lo = range.clo !== null && range.clo < range.lo ? range.clo : range.lo
  const hi = range.chi !== null && range.chi > range.hi ? range.chi : range.hi
  const months = monthRange(lo, hi)
  if (months.length > MAX_MONTHS) return null
  const M = months.length
  const K = openStages.length
  const position = new Map(openStages.map((s, i) => [s, i]))
  let horizon = '0000-00-00'
  for (const h of [range.hc, range.hd]) if (h !== null && h > horizon) horizon = h

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
  // Field values -> small ids, per dimension column; a deal's six values together ("combo") -> an id.
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
  const NS = ALL_SETS.length
  const setColumns = ROLLUP_DIMS.map((dims) => dims.map((d) => columns.indexOf(d)))
  const comboIds = new Map<string, number>()
  // Segment key of combo c in dimension set s at c * NS + s.
  const comboKeys: number[] = []
  let badCombo = false
  const comboId = (text: string): number => {
    let id = comboIds.get(text)
    if (id === undefined) {
      id = comboIds.size
      comboIds.set(text, id)
      for (const slots of Object.values(cached)) for (let s = 0; s < NS; s++) slots.push(undefined)
      const parts = text.split(SEP)
      if (parts.length !== columns.length) badCombo = true
      const ids = columns.map((_, c) => valueId(c, parts[c] ?? ''))
      for (const cs of setColumns) {
        const a = cs.length > 0 ? (ids[cs[0] as number] as number) : 0
        comboKeys.push(cs.length > 1 ? a * PAIR + (ids[cs[1] as number] as number) : a)
      }
    }
    return id
  }

  const S1 = MAX_STAGE_IDS + 1
  const D = ROLLUP_MAX_DAYS + 2
  // Per kind and dimension set: segment id -> cells (a single field's value id, or a * 4096 + b for a pair).
  const perSet = () => ALL_SETS.map(() => new Map<number, Float64Array>())
  const kinds = { closed: perSet(), created: perSet(), funnel: perSet(), staleClosed: perSet(), stayDone: perSet() }
  const sizes = { closed: M * S1 * 3, created: M * 2, funnel: 3 * S1 * (K + 1), staleClosed: D, stayDone: MAX_STAGE_IDS * D }
  // The cells of a kind for combo c in set s, cached at c * NS + s.
  // Each grows by NS slots with each new combo, so the arrays stay dense (V8 would turn sparse ones into dictionaries).
  const cached = { closed: [], created: [], funnel: [], staleClosed: [], stayDone: [] } as Record<
    keyof typeof kinds,
    Array<Float64Array | undefined>
  >
  const block = (kind: keyof typeof kinds, combo: number, s: number): Float64Array => {
    const at = combo * NS + s
    let b = cached[kind][at]
    if (b === undefined) {
      const m = kinds[kind][s] as Map<number, Float64Array>
      const key = comboKeys[at] as number
      b = m.get(key)
      if (!b) {
        b = new Float64Array(sizes[kind])
        m.set(key, b)
      }
      cached[kind][at] = b
    }
    return b
  }
  const capDays = (n: number) => (n < 0 ? 0 : n > ROLLUP_MAX_DAYS ? ROLLUP_MAX_DAYS + 1 : n)
  // Open stays per combo, stage and day entered: "combo|stage id|date" -> count.
  const stayOpen = new Map<string, number>()
  const addOpenStay = (combo: number, stage: string, entered: string) => {
    const k = `${combo}|${stageId(stage)}|${entered}`
    stayOpen.set(k, (stayOpen.get(k) ?? 0) + 1)
  }
  const addDoneStay = (combo: number, stage: string, days: number) => {
    const cell = stageId(stage) * D + capDays(days)
    for (const s of SINGLE_SETS) block('stayDone', combo, s)[cell]! += 1
  }

  // Per deal (by rowid): its combo (-1: none), its funnel cell before the furthest stage, the furthest open stage reached.
  const size = (range.last ?? 0) + 1
  const comboOf = new Int32Array(size).fill(-1)
  const funnelAt = new Int32Array(size)
  const furthest = new Int8Array(size).fill(-1)
  // 1 for a deal that is open or has no close date: its stays are not clipped and count towards the horizon.
  const free = new Uint8Array(size)
  // Day number of a date (its first 10 characters), as `daysBetween` counts.
  const dayCache = new Map<string, number>()
  const day = (date: string): number => {
    let n = dayCache.get(date)
    if (n === undefined) {
      n = Math.round(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 86_400_000)
      dayCache.set(date, n)
    }
    return n
  }

  const month = (column: string) => `(CAST(substr(${column}, 1, 4) AS INTEGER) * 12 + CAST(substr(${column}, 6, 2) AS INTEGER))`
  const base = Number(lo.slice(0, 4)) * 12 + Number(lo.slice(5, 7))
  const closed = `outcome <> 'open' AND closed_date IS NOT NULL`
  // The last touch strictly before the close (`isStale`'s closed branch).
  const touch = `CASE WHEN last_activity_date < closed_date
      THEN CASE WHEN updated_date < closed_date AND updated_date > last_activity_date THEN updated_date ELSE last_activity_date END
      ELSE CASE WHEN updated_date < closed_date THEN updated_date END END`
  const dealColumns = [
    'rowid',
    COMBO_SQL,
    'amount',
    `CASE outcome WHEN 'won' THEN 0 WHEN 'lost' THEN 1 ELSE 2 END`,
    month('created_month'),
    `CASE WHEN ${closed} THEN ${month('closed_month')} END`,
    `CASE outcome WHEN 'won' THEN NULL WHEN 'lost' THEN coalesce(lost_at_stage, stage) ELSE stage END`,
    `CASE WHEN ${closed} THEN substr(created_date, 1, 10) END`,
    `CASE WHEN ${closed} THEN substr(closed_date, 1, 10) END`,
    `CASE WHEN ${closed} THEN substr(${touch}, 1, 10) END`,
    history ? 'NULL' : `CASE WHEN outcome = 'open' THEN substr(coalesce(stage_entered_date, created_date), 1, 10) END`,
    history ? 'NULL' : `CASE WHEN outcome = 'lost' AND closed_date IS NOT NULL THEN substr(stage_entered_date, 1, 10) END`,
  ]
  const dealChunk = sqlite
    .prepare(`SELECT ${jsonList(dealColumns.map((e) => `json_quote(${e})`))} FROM deals WHERE archived = 0 AND rowid BETWEEN ? AND ?`)
    .pluck()
  for (let from = 0; from < size; from += CHUNK) {
    const text = dealChunk.get(from, from + CHUNK - 1) as string | null
    if (text === null) continue
    const v = JSON.parse(text) as unknown[]
    for (let i = 0; i < v.length; i += dealColumns.length) {
      const rowid = v[i] as number
      const amount = v[i + 2] as number
      const o = v[i + 3] as number
      const closedMonth = v[i + 5] as number | null
      const at = v[i + 6] as string | null
      const combo = comboId(v[i + 1] as string)
      comboOf[rowid] = combo
      if (closedMonth === null) free[rowid] = 1
      const cm = (v[i + 4] as number) - base
      for (const s of SINGLE_SETS) {
        const c = block('created', combo, s)
        c[cm * 2]! += 1
        c[cm * 2 + 1]! += amount
      }
      if (closedMonth !== null) {
        const os = o === 1 ? 1 + stageId(at as string) : 0
        const cell = ((closedMonth - base) * S1 + os) * 3
        const closedDay = day(v[i + 8] as string)
        const spent = closedDay - day(v[i + 7] as string)
        for (const s of ALL_SETS) {
          const c = block('closed', combo, s)
          c[cell]! += 1
          c[cell + 1]! += amount
          c[cell + 2]! += spent
        }
        const touched = v[i + 9] as string | null
        if (touched !== null) {
          const g = capDays(closedDay - day(touched))
          for (const s of SINGLE_SETS) block('staleClosed', combo, s)[g]! += 1
        }
      }
      funnelAt[rowid] = (o * S1 + (o === 0 ? MAX_STAGE_IDS : stageId(at as string))) * (K + 1)
      const openEntered = v[i + 10] as string | null
      const lostEntered = v[i + 11] as string | null
      if (openEntered !== null) addOpenStay(combo, at as string, openEntered)
      else if (lostEntered !== null) addDoneStay(combo, at as string, day(v[i + 8] as string) - day(lostEntered))
    }
  }

  if (history) {
    // As stayEndSql / validStaySql: a closed deal's stays end by its close; a stay ending before it starts is skipped.
    // A stay is [rowid, stage, day entered, day ended or null]; days are counted here (SQLite's date functions cost more).
    const end = `substr(CASE WHEN d.outcome <> 'open' AND d.closed_date IS NOT NULL AND (sh.left_at IS NULL OR substr(sh.left_at, 1, 10) > d.closed_date)
        THEN d.closed_date ELSE sh.left_at END, 1, 10)`
    const stayChunk = sqlite
      .prepare(
        `SELECT ${jsonList(['d.rowid', 'json_quote(sh.stage)', 'json_quote(substr(sh.entered_at, 1, 10))', `json_quote(${end})`])}
        FROM deals d JOIN stage_history sh ON sh.deal_id = d.deal_id WHERE d.archived = 0 AND d.rowid BETWEEN ? AND ?`,
      )
      .pluck()
    for (let from = 0; from < size; from += CHUNK) {
      const text = stayChunk.get(from, from + CHUNK - 1) as string | null
      if (text === null) continue
      const v = JSON.parse(text) as unknown[]
      for (let i = 0; i < v.length; i += 4) {
        const rowid = v[i] as number
        const stage = v[i + 1] as string
        const entered = v[i + 2] as string
        const ended = v[i + 3] as string | null
        if (ended !== null && ended < entered) continue
        const combo = comboOf[rowid] as number
        if (ended !== null) addDoneStay(combo, stage, day(ended) - day(entered))
        else addOpenStay(combo, stage, entered)
        // Stays of deals not closed at a date may end (or start) after every deal date.
        if (free[rowid] === 1) {
          const newest = ended ?? entered
          if (newest > horizon) horizon = newest
        }
        const p = position.get(stage)
        if (p !== undefined && p > (furthest[rowid] as number)) furthest[rowid] = p
      }
    }
  }
  for (let rowid = 0; rowid < size; rowid++) {
    const combo = comboOf[rowid] as number
    if (combo < 0) continue
    const f = furthest[rowid] as number
    const fcell = (funnelAt[rowid] as number) + (history && f >= 0 ? f : K)
    for (const s of SINGLE_SETS) block('funnel', combo, s)[fcell]! += 1
  }
  if (overflow || badCombo || valueNames.some((v) => v.length > PAIR)) return null

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
  // Open stays: each combo's counts added into every single-field set.
  const openCells = SINGLE_SETS.map(() => new Map<string, number>())
  for (const [k, n] of stayOpen) {
    const [combo, id, entered] = k.split('|') as [string, string, string]
    for (const s of SINGLE_SETS) {
      const cell = `${comboKeys[Number(combo) * NS + s]}|${id}|${entered}`
      const m = openCells[s] as Map<string, number>
      m.set(cell, (m.get(cell) ?? 0) + n)
    }
  }
  for (const s of SINGLE_SETS) {
    for (const [k, n] of openCells[s] as Map<string, number>) {
      const [key, id, entered] = k.split('|') as [string, string, string]
      const [dims, v1, v2] = label(s, Number(key))
      rows.push(['stay_open', dims, v1, v2, stageNames[Number(id)] as string, entered, 0, n, 0, 0])
    }
  }
  return { rows, dataVersion, horizon, history }
}

/** An aggregate giving the rows' values (each a JSON text, never null), in order, as one flat JSON array (null when there are no rows). */
function jsonList(expressions: readonly string[]): string {
  return `'[' || group_concat(${expressions.join(` || ',' || `)}) || ']'`
}

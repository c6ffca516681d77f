/**
 * The analytics rollup as a pure computation: deals and their stays go in (as stored in the
 * `deals` and `stage_history` rows), the rollup's rows come out. Fed by the store's refresh
 * (reading SQLite or PostgreSQL) and by a bulk import into an empty store (from the rows it is
 * writing), so the facts the rollup keeps are derived here, once.
 */
import { amountInCents } from './amount-in-cents.js'
import { addDays, dayNumber, digitsAt, plainDayNumber } from './dates.js'
import { notBeforeCreated } from './deal-derived.js'

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

/** One `deals` row as the rollup reads it (column names as stored). */
export interface RollupDealRecord {
  region: string
  industry: string
  product_type: string
  lead_source: string
  owner_id: string
  amount_band: string
  amount: number
  outcome: string
  created_date: string
  closed_date: string | null
  stage: string
  lost_at_stage: string | null
  stage_entered_date: string | null
  last_activity_date: string | null
  updated_date: string | null
  archived: boolean
}

/**
 * One `analytics_rollup` row: kind, dims, v1, v2, k1, k2, d, n, amount, days. `amount` is the
 * sum of the deals' whole cents ({@link amountInCents}) over 100, as `sumAmountsSql` sums `deals`.
 */
export type RollupRow = [string, string, string, string, string, string, number, number, number, number]

/** What {@link RollupBuilder.finish} returns: the rows, and the facts `analytics_rollup_state` keeps. */
export interface BuiltRollup {
  rows: RollupRow[]
  /** The newest date in the data: reports use the rollup for "as of" dates on or after it. */
  horizon: string
  /** Whether the store holds any stage history (the funnel and stays then come from it). */
  history: boolean
}

/** Accumulates deals and stays; see {@link createRollupBuilder}. */
export interface RollupBuilder {
  /**
   * Adds a deal under `key`, a small non-negative integer unique to the deal (a rowid, or a
   * running number). Archived deals count only towards the month range.
   */
  addDeal(key: number, deal: RollupDealRecord): void
  /** Adds a stored stay (`stage_history` row) of the deal added under `key`; call after its deal. */
  addStay(key: number, stage: string, enteredAt: string, leftAt: string | null): void
  /** The rollup, or null when the data does not fit it (more than 32 stage names, 600 months or 4,096 values in one field). */
  finish(): BuiltRollup | null
}

/** Options of {@link createRollupBuilder}. */
export interface RollupBuilderOptions {
  /** The open stages in order (the funnel's columns). */
  openStages: readonly string[]
  /**
   * Whether the store holds stage history. When omitted, the builder decides: history when any
   * stay was added.
   */
  history?: boolean
  /** Expected largest key plus one (arrays grow past it when needed). */
  capacity?: number
}

const MAX_STAGE_IDS = 32
const MAX_MONTHS = 600
/** Dimension sets (indexes into ROLLUP_DIMS) each kind is kept for; pairs only serve the drivers. */
const SINGLE_SETS = [0, 1, 2, 3, 4, 5, 6]
const ALL_SETS = [0, 1, 2, 3, 4, 5, 6, 7, 8]
const OUTCOMES = ['won', 'lost', 'open'] as const
/** Pair segment ids are a * PAIR + b; more distinct values in a field than this and no rollup is built. */
const PAIR = 4096
const COLUMNS = ['region', 'industry', 'product_type', 'lead_source', 'owner_id', 'amount_band'] as const
const NONE = -1
const NO_DAYS = -2_147_483_648
/** A deal's close day when the close is no `YYYY-MM-DD` day of the calendar (its text is then kept apart). */
const ODD_DAY = NO_DAYS + 1

/** Month number of a `YYYY-MM...` text: year * 12 + month (read from the digits when they are digits). */
function monthNumber(date: string): number {
  const y = digitsAt(date, 0, 4)
  const m = digitsAt(date, 5, 2)
  return y >= 0 && m >= 0 ? y * 12 + m : Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7))
}

function monthText(n: number): string {
  const y = Math.floor((n - 1) / 12)
  const m = n - y * 12
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`
}

/** The last touch strictly before the close (`isStale`'s closed branch), compared as stored text. */
function lastTouchBefore(activity: string | null, updated: string | null, closed: string): string | null {
  if (activity !== null && activity < closed) {
    return updated !== null && updated < closed && updated > activity ? updated : activity
  }
  return updated !== null && updated < closed ? updated : null
}

/** Grows a typed array to hold index `need`, filling new slots with `fill`. */
function grown<T extends Int32Array | Int8Array | Uint8Array | Float64Array>(a: T, need: number, fill: number): T {
  if (need < a.length) return a
  const next = new (a.constructor as new (n: number) => T)(Math.max(need + 1, a.length * 2))
  next.set(a)
  next.fill(fill, a.length)
  return next
}

/**
 * Creates a {@link RollupBuilder}. Deal facts that depend on the month range (created and closed
 * counts) are kept per deal in typed arrays and added up in {@link RollupBuilder.finish}, once
 * the range is known; everything else is added as it arrives, so memory stays flat (about 40
 * bytes per deal).
 */
export function createRollupBuilder(options: RollupBuilderOptions): RollupBuilder {
  const openStages = options.openStages
  const K = openStages.length
  const position = new Map(openStages.map((s, i) => [s, i]))
  let sawStay = false

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
  const valueNames = COLUMNS.map(() => [] as string[])
  const valueIds = COLUMNS.map(() => new Map<string, number>())
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
  const setColumns = ROLLUP_DIMS.map((dims) => dims.map((d) => COLUMNS.indexOf(d)))
  // Combos by their value ids: the first four packed into one number, the last two into another
  // (each id below PAIR; past that no rollup is built anyway).
  const comboIds = new Map<number, Map<number, number>>()
  let combos = 0
  // Segment key of combo c in dimension set s at c * NS + s.
  const comboKeys: number[] = []
  let badCombo = false
  const ids = [0, 0, 0, 0, 0, 0]
  const comboId = (d: RollupDealRecord): number => {
    ids[0] = valueId(0, d.region)
    ids[1] = valueId(1, d.industry)
    ids[2] = valueId(2, d.product_type)
    ids[3] = valueId(3, d.lead_source)
    ids[4] = valueId(4, d.owner_id)
    ids[5] = valueId(5, d.amount_band)
    let wide = false
    for (const id of ids) if (id >= PAIR) wide = true
    if (wide) {
      badCombo = true
      return 0
    }
    const head = ((ids[0] * PAIR + ids[1]) * PAIR + ids[2]) * PAIR + ids[3]
    const tail = ids[4] * PAIR + ids[5]
    let byTail = comboIds.get(head)
    if (byTail === undefined) {
      byTail = new Map()
      comboIds.set(head, byTail)
    }
    let id = byTail.get(tail)
    if (id === undefined) {
      id = combos++
      byTail.set(tail, id)
      for (const slots of Object.values(cached)) for (let s = 0; s < NS; s++) slots.push(undefined)
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
  const sizes = { closed: 0, created: 0, funnel: 3 * S1 * (K + 1), staleClosed: D, stayDone: MAX_STAGE_IDS * D }
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
  // Day number of a date (its first 10 characters), as `daysBetween` counts: counted from the
  // digits, which is cheaper than looking the text up in a cache.
  const day = dayNumber
  // Open stays per combo, stage and day entered: "combo|stage id|date" -> count.
  const stayOpen = new Map<string, number>()
  const addOpenStay = (combo: number, stage: string, entered: string) => {
    const k = `${combo}|${stageId(stage)}|${entered}`
    stayOpen.set(k, (stayOpen.get(k) ?? 0) + 1)
  }
  // The stayDone cells of each combo in every single-field set, looked up once per combo.
  const stayDoneBlocks: Array<Float64Array[] | undefined> = []
  const addDoneStay = (combo: number, stage: string, days: number) => {
    const cell = stageId(stage) * D + capDays(days)
    let blocks = stayDoneBlocks[combo]
    if (blocks === undefined) {
      blocks = SINGLE_SETS.map((s) => block('stayDone', combo, s))
      while (stayDoneBlocks.length < combo) stayDoneBlocks.push(undefined)
      stayDoneBlocks[combo] = blocks
    }
    for (let i = 0; i < blocks.length; i++) (blocks[i] as Float64Array)[cell]! += 1
  }
  // Dates kept per deal as ids into `dates` (a few thousand distinct days).
  const dates: string[] = []
  const dateIds = new Map<string, number>()
  const dateId = (date: string): number => {
    let id = dateIds.get(date)
    if (id === undefined) {
      id = dates.length
      dateIds.set(date, id)
      dates.push(date)
    }
    return id
  }

  // The month range (every deal, archived too, as the reports' months) and the newest date.
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  let horizon = '0000-00-00'

  // Per deal, by key.
  const capacity = Math.max(16, options.capacity ?? 1024)
  let combo = new Int32Array(capacity).fill(NONE) // NONE: no deal, or archived
  let amount = new Float64Array(capacity) // whole cents (amountInCents): their sums do not depend on the order of the keys
  let outcome = new Uint8Array(capacity) // 0 won, 1 lost, 2 open
  let createdMonth = new Int32Array(capacity)
  let closedMonth = new Int32Array(capacity).fill(NONE) // NONE: not closed (open, or no close date)
  // Day number of the close (plainDayNumber). NO_DAYS: not closed (open, or no close date);
  // ODD_DAY: the close's text, no day of the calendar, is in oddCloses (never for an import's rows).
  let closedDay = new Int32Array(capacity).fill(NO_DAYS)
  const oddCloses = new Map<number, string>()
  let atStage = new Int32Array(capacity).fill(NONE) // stage id: lost at, or open in
  let spent = new Int32Array(capacity) // days from created to closed
  let openEntered = new Int32Array(capacity).fill(NONE) // date id: entered the open stage (used without history)
  let lostDays = new Int32Array(capacity).fill(NO_DAYS) // days in the stage lost at (used without history)
  let furthest = new Int8Array(capacity).fill(NONE)
  let stayed = new Uint8Array(capacity) // 1: the deal has a stored stay (its stays then come from them)
  let last = -1

  const ensure = (key: number) => {
    if (key < combo.length) return
    combo = grown(combo, key, NONE)
    amount = grown(amount, key, 0)
    outcome = grown(outcome, key, 0)
    createdMonth = grown(createdMonth, key, 0)
    closedMonth = grown(closedMonth, key, NONE)
    closedDay = grown(closedDay, key, NO_DAYS)
    atStage = grown(atStage, key, NONE)
    spent = grown(spent, key, 0)
    openEntered = grown(openEntered, key, NONE)
    lostDays = grown(lostDays, key, NO_DAYS)
    furthest = grown(furthest, key, NONE)
    stayed = grown(stayed, key, 0)
  }

  return {
    addDeal(key, d) {
      ensure(key)
      if (key > last) last = key
      const cm = monthNumber(d.created_date)
      if (cm < lo) lo = cm
      if (cm > hi) hi = cm
      const isClosed = d.outcome !== 'open' && d.closed_date !== null
      const closedAt = isClosed ? monthNumber(d.closed_date as string) : NONE
      if ((d.outcome === 'won' || d.outcome === 'lost') && d.closed_date !== null) {
        if (closedAt < lo) lo = closedAt
        if (closedAt > hi) hi = closedAt
      }
      if (d.archived) return
      if (d.created_date > horizon) horizon = d.created_date
      if (d.outcome !== 'open' && d.closed_date !== null && d.closed_date > horizon) horizon = d.closed_date
      const c = comboId(d)
      const o = d.outcome === 'won' ? 0 : d.outcome === 'lost' ? 1 : 2
      combo[key] = c
      amount[key] = amountInCents(d.amount)
      outcome[key] = o
      createdMonth[key] = cm
      const at = o === 0 ? null : o === 1 ? (d.lost_at_stage ?? d.stage) : d.stage
      if (at !== null) atStage[key] = stageId(at)
      if (o === 2) openEntered[key] = dateId((d.stage_entered_date ?? d.created_date).slice(0, 10))
      if (!isClosed) return
      const closed = d.closed_date as string
      const closedOn = closed.slice(0, 10)
      closedMonth[key] = closedAt
      // The close as a day number, counted once: the deal's stays are compared with it (addStay).
      const plainClose = plainDayNumber(closedOn)
      const closeDay = Number.isNaN(plainClose) ? day(closedOn) : plainClose
      if (!Number.isNaN(plainClose)) closedDay[key] = plainClose
      else {
        closedDay[key] = ODD_DAY
        oddCloses.set(key, closedOn)
      }
      spent[key] = closeDay - day(d.created_date.slice(0, 10))
      // A stage entered after the close (as with a stay, one ending before it starts) is left out: its length is not known.
      if (o === 1 && d.stage_entered_date !== null && d.stage_entered_date.slice(0, 10) <= closedOn)
        lostDays[key] = closeDay - day(d.stage_entered_date.slice(0, 10))
      const touched = lastTouchBefore(
        notBeforeCreated(d.last_activity_date, d.created_date),
        notBeforeCreated(d.updated_date, d.created_date),
        closed,
      )
      if (touched !== null) {
        const g = capDays(closeDay - day(touched.slice(0, 10)))
        for (const s of SINGLE_SETS) block('staleClosed', c, s)[g]! += 1
      }
    },

    addStay(key, stage, enteredAt, leftAt) {
      sawStay = true
      const c = key < combo.length ? (combo[key] as number) : NONE
      if (c === NONE) return
      stayed[key] = 1
      // A closed deal's stays end by its close; a stay ending before it starts is skipped.
      const close = closedDay[key] as number
      const entered = enteredAt.slice(0, 10)
      let ended = leftAt === null ? null : leftAt.slice(0, 10)
      let counted = false
      if (close > ODD_DAY) {
        // The close is a day of the calendar: when the stay's days are too, they are compared as
        // numbers, as their texts would be, with no text to look up.
        const from = plainDayNumber(entered)
        const to = ended === null ? close : plainDayNumber(ended)
        if (!Number.isNaN(from) && !Number.isNaN(to)) {
          const end = to > close ? close : to
          if (end < from) return
          addDoneStay(c, stage, end - from)
          counted = true
        }
      }
      if (!counted) {
        if (close !== NO_DAYS) {
          const closedOn = close === ODD_DAY ? (oddCloses.get(key) as string) : addDays('1970-01-01', close)
          if (ended === null || ended > closedOn) ended = closedOn
        }
        if (ended !== null && ended < entered) return
        if (ended !== null) addDoneStay(c, stage, day(ended) - day(entered))
        else addOpenStay(c, stage, entered)
        // Stays of deals not closed at a date may end (or start) after every deal date.
        if (close === NO_DAYS) {
          const newest = ended ?? entered
          if (newest > horizon) horizon = newest
        }
      }
      const p = position.get(stage)
      if (p !== undefined && p > (furthest[key] as number)) furthest[key] = p
    },

    finish() {
      const history = options.history ?? sawStay
      if (last < 0 || lo === Number.POSITIVE_INFINITY) return { rows: [], horizon: '0000-00-00', history }
      const M = hi - lo + 1
      if (M > MAX_MONTHS) return null
      sizes.closed = M * S1 * 3
      sizes.created = M * 2
      for (let key = 0; key <= last; key++) {
        const c = combo[key] as number
        if (c === NONE) continue
        const o = outcome[key] as number
        const amt = amount[key] as number
        const at = atStage[key] as number
        const cm = (createdMonth[key] as number) - lo
        for (const s of SINGLE_SETS) {
          const b = block('created', c, s)
          b[cm * 2]! += 1
          b[cm * 2 + 1]! += amt
        }
        const closedAt = closedMonth[key] as number
        if (closedAt !== NONE) {
          const cell = ((closedAt - lo) * S1 + (o === 1 ? 1 + at : 0)) * 3
          const days = spent[key] as number
          for (const s of ALL_SETS) {
            const b = block('closed', c, s)
            b[cell]! += 1
            b[cell + 1]! += amt
            b[cell + 2]! += days
          }
        }
        // Without history, or for a deal that has none in a store that has some, the stays known
        // from the deal itself: an open deal's current one, a lost deal's last one when dated.
        if (!history || stayed[key] === 0) {
          if (o === 2) addOpenStay(c, stageNames[at] as string, dates[openEntered[key] as number] as string)
          else if (o === 1 && closedAt !== NONE && lostDays[key] !== NO_DAYS)
            addDoneStay(c, stageNames[at] as string, lostDays[key] as number)
        }
        const f = furthest[key] as number
        const fcell = (o * S1 + (o === 0 ? MAX_STAGE_IDS : at)) * (K + 1) + (history && f >= 0 ? f : K)
        for (const s of SINGLE_SETS) block('funnel', c, s)[fcell]! += 1
      }
      if (overflow || badCombo || valueNames.some((v) => v.length > PAIR)) return null
      return { rows: rowsOf(M), horizon, history }
    },
  }

  function rowsOf(M: number): RollupRow[] {
    const months = Array.from({ length: M }, (_, m) => monthText(lo + m))
    const rows: RollupRow[] = []
    const label = (s: number, key: number): [string, string, string] => {
      const dims = ROLLUP_DIMS[s] as readonly string[]
      const a = dims.length > 1 ? Math.floor(key / PAIR) : key
      const b = dims.length > 1 ? key % PAIR : 0
      const name = (i: number, id: number) => (valueNames[COLUMNS.indexOf(dims[i] as (typeof COLUMNS)[number])] as string[])[id] as string
      return [dims.join(','), dims.length > 0 ? name(0, a) : '', dims.length > 1 ? name(1, b) : '']
    }
    for (const [s, key, c] of cellsOf(kinds.closed)) {
      const [dims, v1, v2] = label(s, key)
      for (let m = 0; m < M; m++) {
        for (let os = 0; os < S1; os++) {
          const cell = (m * S1 + os) * 3
          if (c[cell] === 0) continue
          const stage = os === 0 ? '' : (stageNames[os - 1] as string)
          rows.push([
            'closed',
            dims,
            v1,
            v2,
            months[m] as string,
            stage,
            os === 0 ? 1 : 0,
            c[cell] as number,
            (c[cell + 1] as number) / 100,
            c[cell + 2] as number,
          ])
        }
      }
    }
    for (const [s, key, c] of cellsOf(kinds.created)) {
      const [dims, v1, v2] = label(s, key)
      for (let m = 0; m < M; m++)
        if (c[m * 2] !== 0)
          rows.push(['created', dims, v1, v2, months[m] as string, '', 0, c[m * 2] as number, (c[m * 2 + 1] as number) / 100, 0])
    }
    for (const [s, key, c] of cellsOf(kinds.funnel)) {
      const [dims, v1, v2] = label(s, key)
      for (let o = 0; o < 3; o++) {
        for (let at = 0; at < S1; at++) {
          for (let f = 0; f <= K; f++) {
            const n = c[(o * S1 + at) * (K + 1) + f] as number
            if (n === 0) continue
            const stage = at === MAX_STAGE_IDS ? '' : (stageNames[at] as string)
            rows.push(['funnel', dims, v1, v2, OUTCOMES[o] as string, stage, f === K ? -1 : f, n, 0, 0])
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
      const [c, id, entered] = k.split('|') as [string, string, string]
      for (const s of SINGLE_SETS) {
        const cell = `${comboKeys[Number(c) * NS + s]}|${id}|${entered}`
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
    return rows
  }
}

function* cellsOf(sets: ReadonlyArray<Map<number, Float64Array>>): Generator<[number, number, Float64Array]> {
  for (const [s, m] of sets.entries()) for (const [key, c] of m) yield [s, key, c]
}

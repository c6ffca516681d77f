import { hasOffset, instantInZone, instantOfWallClock, isoDateTimeForParse, toIsoDate } from '../domain/dates.js'
import type { StageStay } from '../domain/normalized-deal.js'

/** One stage value a deal had from `at` on (ISO date-time), as a CRM's history reports it. */
export interface StageChange {
  stage: string
  at: string
  /**
   * What the change found and what it left, when the CRM's row says both (Salesforce's
   * `PrevAmount`/`PrevCloseDate` against `Amount`/`CloseDate`): changes at the same instant are
   * put in the order these link them in, one's `from` being the `to` of the one before.
   */
  chain?: { from: string; to: string }
}

/**
 * Turns a CRM's stage changes (any order) into stays: sorted by time, consecutive repeats of the
 * same stage collapsed into one stay (Salesforce writes a history row for every amount or date
 * change too), each stay ending when the next begins; the last stay is still open.
 * Changes at the same instant (a workflow moving a deal twice within a millisecond, Salesforce's
 * whole seconds) are put in the order their `chain`s link them in, else keep the order given; with `current`, the stage the deal is in now, a change to
 * it at the latest instant is taken as the last one, so the open stay is the deal's own stage.
 * Times are written as ISO date-times on the wall clock of `timeZone` (the team's, `PULSE_TZ`)
 * with its offset (`2024-04-19T04:00:05.002-07:00`; in UTC `2024-04-19T11:00:05.002Z`), so that
 * their first ten characters, which every report compares with days, are the day the team saw.
 */
export function staysFromChanges(dealId: string, changes: readonly StageChange[], timeZone = 'UTC', current?: string): StageStay[] {
  const sorted = changes
    .map((c) => ({ stage: c.stage, at: toIsoInstant(c.at, timeZone), chain: c.chain }))
    .filter((c): c is Timed => c.at !== null)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  orderSameInstants(sorted)
  const latest = sorted[sorted.length - 1]?.at
  const now = current === undefined ? -1 : sorted.findLastIndex((c) => c.at === latest && c.stage === current)
  if (now >= 0) sorted.push(...sorted.splice(now, 1))
  const stays: StageStay[] = []
  for (const c of sorted) {
    const last = stays[stays.length - 1]
    if (last && last.stage === c.stage) continue
    if (last) last.leftAt = c.at
    stays.push({ dealId, stage: c.stage, enteredAt: c.at, leftAt: null })
  }
  if (timeZone !== 'UTC')
    for (const s of stays) {
      s.enteredAt = instantInZone(Date.parse(s.enteredAt), timeZone)
      if (s.leftAt !== null) s.leftAt = instantInZone(Date.parse(s.leftAt), timeZone)
    }
  return stays
}

/**
 * A CRM date-time as a stay's time: ISO on the wall clock of `timeZone` with its offset, as
 * {@link staysFromChanges} writes them; null when it is none.
 */
export function stayInstant(value: string | null | undefined, timeZone = 'UTC'): string | null {
  const iso = toIsoInstant(value, timeZone)
  return iso === null || timeZone === 'UTC' ? iso : instantInZone(Date.parse(iso), timeZone)
}

type Timed = { stage: string; at: string; chain: StageChange['chain'] }

/** Puts each run of changes at one instant in the order their chains link them in, where they do. */
function orderSameInstants(sorted: Timed[]): void {
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1
    while (j < sorted.length && (sorted[j] as Timed).at === (sorted[i] as Timed).at) j++
    const ordered = j - i > 1 ? chained(sorted.slice(i, j), sorted[i - 1]?.chain?.to) : null
    if (ordered) sorted.splice(i, j - i, ...ordered)
    i = j
  }
}

/**
 * The changes of one instant in chain order: first the one whose `from` is `before` (the `to` of
 * the change before them), or without it the one no other change of the run leads to, then
 * each one whose `from` is the last one's `to`. Null when the chains do not decide (a change
 * without one, or a step with no or several candidates, as when only the stage changed): the run
 * then keeps the order given.
 */
function chained(run: Timed[], before: string | undefined): Timed[] | null {
  if (run.some((c) => c.chain === undefined)) return null
  const left = [...run] as Array<Timed & { chain: NonNullable<Timed['chain']> }>
  const out: Timed[] = []
  let last = before
  while (left.length > 0) {
    const next =
      last === undefined
        ? left.filter((c) => !left.some((o) => o !== c && o.chain.to === c.chain.from))
        : left.filter((c) => c.chain.from === last)
    if (next.length !== 1) return null
    const c = next[0] as (typeof left)[number]
    out.push(c)
    left.splice(left.indexOf(c), 1)
    last = c.chain.to
  }
  return out
}

/**
 * The last stage a lost deal sat in before it closed (design.md "stage lost at"): the latest
 * stay whose stage is not a closed stage; null when the history holds none.
 */
export function lastOpenStage(stays: readonly StageStay[], isClosedStage: (stage: string) => boolean): string | null {
  for (let i = stays.length - 1; i >= 0; i--) {
    const s = stays[i] as StageStay
    if (!isClosedStage(s.stage)) return s.stage
  }
  return null
}

/** The latest instant a JavaScript date holds (epoch milliseconds), either side of 1970. */
const MAX_DATE_MS = 8.64e15

/**
 * Parses a CRM date-time (`2024-05-01T08:03:41.000+0000`, `...Z`, an offset as `+hh:mm`, `+hhmm`
 * or `+hh`, or epoch milliseconds as a string) into ISO UTC with milliseconds; null when it is not
 * one. A date, or a date-time without an offset, is read on the wall clock of `timeZone` (the
 * team's, `PULSE_TZ`; default UTC), never on the machine's own, so its day there is the one written.
 */
export function toIsoInstant(value: string | null | undefined, timeZone = 'UTC'): string | null {
  if (value === null || value === undefined || value === '') return null
  // Fast paths for the two forms CRMs send most (a sync parses millions of these).
  if (value.length === 24 && value[23] === 'Z' && value[10] === 'T' && value[19] === '.') return value
  if (value.length === 28 && value.endsWith('.000+0000') && value[10] === 'T') return `${value.slice(0, 23)}Z`
  const v = value.trim()
  const t = /^\d{10,}$/.test(v) ? Number(v) : parseInstant(v, timeZone)
  return Number.isFinite(t) && Math.abs(t) <= MAX_DATE_MS ? new Date(t).toISOString() : null
}

/** Epoch milliseconds of an ISO date or date-time (see {@link toIsoInstant}); NaN for anything else. */
function parseInstant(v: string, timeZone: string): number {
  if (toIsoDate(v) === null) return Number.NaN
  if (v.length === 10) return instantOfWallClock(Date.parse(`${v}T00:00:00Z`), timeZone)
  const written = isoDateTimeForParse(v)
  if (hasOffset(written)) return Date.parse(written)
  return instantOfWallClock(Date.parse(`${written}Z`), timeZone)
}

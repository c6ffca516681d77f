import { readFileSync } from 'node:fs'
import Papa from 'papaparse'

/**
 * An independent recomputation of the reports straight from an import CSV, written from the
 * definitions in design.md / contract.md / docs/analytics.md without the product's code, so a
 * test can compare `pulse report ... --json` field by field with what an outside check computes.
 */

/** One CSV row as the oracle reads it (dates as written, `YYYY-MM-DD`). */
export interface OracleDeal {
  id: string
  created: string
  closed: string | null
  outcome: 'won' | 'lost' | 'open'
  stage: string
  amount: number
  region: string
  industry: string
  product_type: string
  lead_source: string
  sales_rep_id: string
  lastActivity: string | null
  updated: string | null
  stageEntered: string | null
  history: string[]
  /** The stage history with the day each stay was entered, in file order. */
  stays: Array<{ stage: string; entered: string }>
  archived?: boolean
}

/** Reads an import CSV into oracle deals. */
export function readOracleDeals(path: string): OracleDeal[] {
  const parsed = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true })
  return parsed.data.map((r) => {
    const d = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim().slice(0, 10))
    const outcome = (r.outcome ?? '').trim().toLowerCase() || 'open'
    return {
      id: r.deal_id!,
      created: d(r.created_date)!,
      closed: outcome === 'open' ? null : d(r.closed_date),
      outcome: outcome as OracleDeal['outcome'],
      stage: r.deal_stage!,
      amount: Number(r.deal_amount),
      region: r.region!,
      industry: r.industry!,
      product_type: r.product_type!,
      lead_source: r.lead_source!,
      sales_rep_id: r.sales_rep_id!,
      lastActivity: d(r.last_activity_date),
      updated: d(r.updated_date),
      stageEntered: d(r.stage_entered_date),
      history: (r.stage_history ?? '')
        .split(';')
        .filter((e) => e !== '')
        .map((e) => e.slice(0, e.lastIndexOf('@'))),
      stays: (r.stage_history ?? '')
        .split(';')
        .filter((e) => e !== '')
        .map((e) => ({
          stage: e.slice(0, e.lastIndexOf('@')).trim(),
          entered: e
            .slice(e.lastIndexOf('@') + 1)
            .trim()
            .slice(0, 10),
        })),
    }
  })
}

const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)

function closedBy(deals: readonly OracleDeal[], asOf: string) {
  return deals.filter((d) => !d.archived && d.created <= asOf && d.outcome !== 'open' && d.closed !== null && d.closed <= asOf)
}

// ---------- distributions (own implementations) ----------

function lnGamma(x: number): number {
  // Stirling series with shift, accurate to ~1e-13 for x > 0
  let shift = 0
  while (x < 10) {
    shift -= Math.log(x)
    x += 1
  }
  const x2 = 1 / (x * x)
  return (
    shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + (1 / x) * (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 / 1680)))
  )
}

function binomPmf(k: number, n: number, p: number): number {
  return Math.exp(lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p))
}

/** P(chi2_df > x) by the regularised lower incomplete gamma series. */
function chiSquareUpper(x: number, df: number): number {
  const a = df / 2
  const h = x / 2
  if (h <= 0) return 1
  let term = 1 / a
  let sum = term
  for (let n = 1; n < 10_000; n++) {
    term *= h / (a + n)
    sum += term
    if (term < sum * 1e-16) break
  }
  return 1 - Math.exp(-h + a * Math.log(h) - lnGamma(a)) * sum
}

/** Standard normal upper tail via the complementary error function (Numerical Recipes erfcc). */
export function upperNormal(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.5 * x)
  const r =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  const upper = r / 2
  return z >= 0 ? upper : 1 - upper
}

// ---------- win rate ----------

/** What the oracle expects of one month of `report winrate`. */
export interface OracleMonth {
  month: string
  won: number
  lost: number
  winRate: number | null
  center: number | null
  lcl: number | null
  ucl: number | null
  partial: boolean
  anomaly: 'low' | 'high' | null
  limitMethod: 'binomial' | 'exact-binomial' | 'laney' | null
}

function nextMonth(m: string): string {
  const y = Number(m.slice(0, 4))
  const mo = Number(m.slice(5, 7))
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`
}

/** `report winrate` months, recomputed: a p-chart with the documented baseline and limit rules. */
export function oracleWinrate(deals: readonly OracleDeal[], asOf: string, shown: number): OracleMonth[] {
  const asOfMonth = asOf.slice(0, 7)
  const closed = closedBy(deals, asOf)
  const counts = new Map<string, { won: number; lost: number }>()
  for (const d of closed) {
    const m = d.closed!.slice(0, 7)
    const c = counts.get(m) ?? { won: 0, lost: 0 }
    if (d.outcome === 'won') c.won++
    else c.lost++
    counts.set(m, c)
  }
  const firstMonth = [
    ...counts.keys(),
    ...deals.filter((d) => !d.archived && d.created <= asOf).map((d) => d.created.slice(0, 7)),
  ].sort()[0]
  let start = asOfMonth
  for (let i = 1; i < shown; i++) start = prevMonth(start)
  const all: string[] = []
  for (let m = firstMonth !== undefined && firstMonth < start ? firstMonth : start; m <= asOfMonth; m = nextMonth(m)) all.push(m)
  const baseline: Array<{ won: number; n: number }> = []
  const out: OracleMonth[] = []
  for (const month of all) {
    const { won, lost } = counts.get(month) ?? { won: 0, lost: 0 }
    const n = won + lost
    const partial = month === asOfMonth
    const o: OracleMonth = {
      month,
      won,
      lost,
      winRate: n > 0 ? won / n : null,
      center: null,
      lcl: null,
      ucl: null,
      partial,
      anomaly: null,
      limitMethod: null,
    }
    const base = baseline.slice(-12)
    const bw = base.reduce((s, b) => s + b.won, 0)
    const bn = base.reduce((s, b) => s + b.n, 0)
    // A baseline that only lost (or only won) sets no range.
    if (base.length >= 4 && bw > 0 && bw < bn) {
      const c = bw / bn
      o.center = c
      if (n > 0) {
        let sigmaZ: number | null = null
        if (base.length >= 3 && c > 0 && c < 1) {
          const zs = base.map((b) => (b.won / b.n - c) / Math.sqrt((c * (1 - c)) / b.n))
          const chi2 = zs.reduce((s, z) => s + z * z, 0)
          if (chiSquareUpper(chi2, base.length - 1) < 0.01) {
            let mr = 0
            for (let i = 1; i < zs.length; i++) mr += Math.abs(zs[i]! - zs[i - 1]!)
            sigmaZ = Math.max(1, mr / (zs.length - 1) / 1.128)
          }
        }
        const sigma = Math.sqrt((c * (1 - c)) / n)
        let anomaly: 'low' | 'high' | null = null
        if (sigmaZ !== null) {
          o.limitMethod = 'laney'
          o.lcl = Math.max(0, c - 3 * sigma * sigmaZ)
          o.ucl = Math.min(1, c + 3 * sigma * sigmaZ)
          anomaly = won / n < o.lcl ? 'low' : won / n > o.ucl ? 'high' : null
        } else if (Math.min(n * c, n * (1 - c)) < 10) {
          o.limitMethod = 'exact-binomial'
          // smallest k with P(X <= k) >= 0.00135; largest k with P(X >= k) >= 0.00135
          let cdf = 0
          let low = n
          for (let k = 0; k <= n; k++) {
            cdf += binomPmf(k, n, c)
            if (cdf >= 0.00135) {
              low = k
              break
            }
          }
          let sf = 0
          let high = 0
          for (let k = n; k >= 0; k--) {
            sf += binomPmf(k, n, c)
            if (sf >= 0.00135) {
              high = k
              break
            }
          }
          o.lcl = low / n
          o.ucl = high / n
          anomaly = won < low ? 'low' : won > high ? 'high' : null
        } else {
          o.limitMethod = 'binomial'
          o.lcl = Math.max(0, c - 3 * sigma)
          o.ucl = Math.min(1, c + 3 * sigma)
          anomaly = won / n < o.lcl ? 'low' : won / n > o.ucl ? 'high' : null
        }
        o.anomaly = partial ? null : anomaly
      }
    }
    if (!partial && n > 0 && o.anomaly === null) baseline.push({ won, n })
    out.push(o)
  }
  return out.slice(-shown)
}

function prevMonth(m: string): string {
  const y = Number(m.slice(0, 4))
  const mo = Number(m.slice(5, 7))
  return mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`
}

// ---------- drivers ----------

/** The contract's amount bands (a band includes its lower edge). */
export function oracleBand(amount: number): string {
  return amount < 10_000 ? '<10k' : amount < 50_000 ? '10k-50k' : amount < 100_000 ? '50k-100k' : '100k+'
}

/** What the oracle expects of one segment of `report drivers`. */
export interface OracleSegment {
  key: string
  n: number
  won: number
  winRate: number
  lift: number | null
  ciLow: number
  ciHigh: number
  pValue: number
  qValue: number
  significant: boolean
}

type Field = 'region' | 'industry' | 'product_type' | 'lead_source' | 'sales_rep_id' | 'amount_band'

/** Segment key as the oracle names it: `field=value&field=value` in the given order. */
export function segmentKey(segment: Record<string, string>): string {
  return Object.entries(segment)
    .map(([f, v]) => `${f}=${v}`)
    .join('&')
}

function fisherTwoSided(a: number, nA: number, won: number, n: number): number {
  const lf = (x: number) => lnGamma(x + 1)
  const lp = (x: number) => lf(nA) + lf(n - nA) + lf(won) + lf(n - won) - lf(n) - lf(x) - lf(nA - x) - lf(won - x) - lf(n - nA - won + x)
  const obs = lp(a)
  let s = 0
  for (let x = Math.max(0, won - (n - nA)); x <= Math.min(nA, won); x++) if (lp(x) <= obs + 1e-7) s += Math.exp(lp(x))
  return Math.min(1, s)
}

/** `report drivers` segments, recomputed: Wilson 95%, lift vs all others, z / Fisher p, BH q over all segments. */
export function oracleDrivers(
  deals: readonly OracleDeal[],
  asOf: string,
  fixed: readonly string[] = [],
): { overall: number; segments: Map<string, OracleSegment> } {
  const closed = closedBy(deals, asOf)
  const total = closed.length
  const totalWon = closed.filter((d) => d.outcome === 'won').length
  const value = (d: OracleDeal, f: Field) => (f === 'amount_band' ? oracleBand(d.amount) : d[f])
  const sets: Field[][] = [
    ['region'],
    ['industry'],
    ['product_type'],
    ['lead_source'],
    ['sales_rep_id'],
    ['amount_band'],
    ['region', 'amount_band'],
    ['region', 'product_type'],
  ]
  const raw: Array<Omit<OracleSegment, 'qValue' | 'significant'>> = []
  // Closed deals per single field value, whatever the filters: a pair with exactly the deals of
  // one of its values is that value's segment again, not tested twice.
  const singleN = new Map<string, number>()
  for (const d of closed)
    for (const f of ['region', 'industry', 'product_type', 'lead_source', 'sales_rep_id', 'amount_band'] as Field[]) {
      const k = `${f}=${value(d, f)}`
      singleN.set(k, (singleN.get(k) ?? 0) + 1)
    }
  for (const fields of sets) {
    if (fields.some((f) => fixed.includes(f))) continue
    const groups = new Map<string, { n: number; won: number; values: string[] }>()
    for (const d of closed) {
      const key = segmentKey(Object.fromEntries(fields.map((f) => [f, value(d, f)])))
      const g = groups.get(key) ?? { n: 0, won: 0, values: fields.map((f) => value(d, f)) }
      g.n++
      if (d.outcome === 'won') g.won++
      groups.set(key, g)
    }
    for (const [key, g] of groups) {
      const oN = total - g.n
      // A segment holding every closed deal has nothing to be compared with: not tested.
      if (oN === 0) continue
      if (fields.length === 2 && fields.some((f, i) => singleN.get(`${f}=${g.values[i]}`) === g.n)) continue
      const oW = totalWon - g.won
      const wr = g.won / g.n
      const owr = oN > 0 ? oW / oN : null
      const z = 1.959963984540054
      const denom = 1 + (z * z) / g.n
      const mid = (wr + (z * z) / (2 * g.n)) / denom
      const half = (z * Math.sqrt((wr * (1 - wr)) / g.n + (z * z) / (4 * g.n * g.n))) / denom
      let p = 1
      if (oN > 0 && totalWon > 0 && totalWon < total) {
        const minExpected = (Math.min(g.n, oN) * Math.min(totalWon, total - totalWon)) / total
        if (minExpected < 5) p = fisherTwoSided(g.won, g.n, totalWon, total)
        else {
          const pp = totalWon / total
          const zz = (wr - (owr as number)) / Math.sqrt(pp * (1 - pp) * (1 / g.n + 1 / oN))
          p = Math.min(1, 2 * upperNormal(Math.abs(zz)))
        }
      }
      raw.push({
        key,
        n: g.n,
        won: g.won,
        winRate: wr,
        lift: owr !== null && owr > 0 ? wr / owr : null,
        ciLow: Math.max(0, mid - half),
        ciHigh: Math.min(1, mid + half),
        pValue: p,
      })
    }
  }
  // Benjamini-Hochberg by the step-up definition: q_i = min_{j: p_j >= p_i} m p_j / rank_j
  const m = raw.length
  const sorted = [...raw].sort((a, b) => a.pValue - b.pValue)
  const qOf = new Map<string, number>()
  let running = 1
  for (let r = m - 1; r >= 0; r--) {
    running = Math.min(running, (sorted[r]!.pValue * m) / (r + 1))
    qOf.set(sorted[r]!.key, Math.min(1, running))
  }
  const segments = new Map<string, OracleSegment>()
  for (const s of raw) {
    const q = qOf.get(s.key)!
    segments.set(s.key, { ...s, qValue: q, significant: q < 0.05 && s.n >= 30 })
  }
  return { overall: total > 0 ? totalWon / total : Number.NaN, segments }
}

// ---------- losses, funnel, stalled ----------

/** `report losses` stages, recomputed: lost deals by `deal_stage`, largest first. */
export function oracleLosses(deals: readonly OracleDeal[], asOf: string) {
  const lost = closedBy(deals, asOf).filter((d) => d.outcome === 'lost')
  const by = new Map<string, { lost: number; lostAmount: number }>()
  for (const d of lost) {
    const g = by.get(d.stage) ?? { lost: 0, lostAmount: 0 }
    g.lost++
    g.lostAmount += d.amount
    by.set(d.stage, g)
  }
  return [...by.entries()]
    .map(([stage, g]) => ({ stage, lost: g.lost, lostAmount: g.lostAmount, share: g.lost / lost.length }))
    .sort((a, b) => b.lost - a.lost || b.lostAmount - a.lostAmount || a.stage.localeCompare(b.stage))
}

/** `report funnel` stages, recomputed from the furthest stage each deal reached (history or outcome). */
export function oracleFunnel(deals: readonly OracleDeal[], asOf: string, openStages: readonly string[], wonStage: string) {
  const k = openStages.length
  const furthest: number[] = []
  let won = 0
  for (const d of deals) {
    if (d.archived || d.created > asOf) continue
    const closedNow = d.outcome !== 'open' && d.closed !== null && d.closed <= asOf
    if (closedNow && d.outcome === 'won') {
      furthest.push(k)
      won++
      continue
    }
    // The stage the deal sat at on the as-of day: lost at (closed by then), its stage now (open and
    // unchanged since), else the last stay entered by then (the furthest of that day's stays), else
    // the stage lost at for a later loss and none for a later win.
    const then = d.stays.filter((s) => s.entered <= asOf)
    const movedSince = d.closed !== null || d.stays.some((s) => s.entered > asOf)
    let stage: string | null = d.stage
    if (!closedNow && movedSince) {
      const lastDay = then.reduce((m, s) => (s.entered > m ? s.entered : m), '')
      const lastStays = then.filter((s) => s.entered === lastDay)
      const last = lastStays.sort((a, b) => openStages.indexOf(b.stage) - openStages.indexOf(a.stage))[0]
      stage = last ? last.stage : d.outcome === 'won' ? null : d.stage
    }
    const at = stage === null ? -1 : openStages.indexOf(stage)
    if (at === -1) continue
    const hist = then.map((s) => openStages.indexOf(s.stage)).filter((i) => i >= 0)
    furthest.push(Math.min(k - 1, Math.max(at, ...hist)))
  }
  const reached = (i: number) => furthest.filter((f) => f >= i).length
  const stages = openStages.map((stage, i) => {
    const r = reached(i)
    const a = reached(i + 1)
    return { stage, reached: r, advanced: a, conversion: r > 0 ? a / r : null }
  })
  stages.push({ stage: wonStage, reached: won, advanced: won, conversion: won > 0 ? 1 : null })
  return stages
}

/**
 * `report stalled`, recomputed: stalled deals (amount >= 50,000, idle >= 14 days) and stale pipeline
 * (> 30 days) among the deals open on `asOf` (open now, or closed after it), by the dates kept.
 */
export function oracleStalled(deals: readonly OracleDeal[], asOf: string) {
  const open = deals.filter((d) => !d.archived && d.created <= asOf && (d.outcome === 'open' || (d.closed !== null && d.closed > asOf)))
  const stalled = open
    .map((d) => ({ d, idle: days(d.lastActivity ?? d.updated ?? d.stageEntered ?? d.created, asOf) }))
    .filter((x) => x.d.amount >= 50_000 && x.idle >= 14)
    .map((x) => ({ dealId: x.d.id, amount: x.d.amount, stage: x.d.stage, daysIdle: x.idle }))
    .sort((a, b) => b.amount - a.amount || (a.dealId < b.dealId ? -1 : 1))
  const touch = (d: OracleDeal) => {
    const t = [d.lastActivity, d.updated].filter((x): x is string => x !== null).sort()
    return t.length > 0 ? t[t.length - 1]! : (d.stageEntered ?? d.created)
  }
  const stale = open.filter((d) => days(touch(d), asOf) > 30)
  return { stalled, stale: { count: stale.length, amount: stale.reduce((s, d) => s + d.amount, 0) } }
}

import { binomialLimits } from './binomial-distribution.js'
import { chiSquareSf } from './chi-square-sf.js'
import type { LimitMethod, RunSignal } from './report-types.js'

/** Closed deals of one calendar month. */
export interface MonthOutcome {
  month: string
  won: number
  lost: number
  /** The month containing "as of": charted, never judged, never in a baseline. */
  partial: boolean
}

/** Settings of {@link pChart}. */
export interface PChartOptions {
  /** At most this many complete months before a month form its baseline (default 12). */
  baselineMonths?: number
  /** A month is judged only with at least this many baseline months (default {@link MIN_BASELINE_MONTHS}). */
  minBaselineMonths?: number
  /** ... and only when those months hold at least this many closed deals (default {@link MIN_BASELINE_DEALS}). */
  minBaselineDeals?: number
}

/** Fewest complete months (with closed deals) a baseline needs before it sets a range. */
export const MIN_BASELINE_MONTHS = 4

/**
 * Fewest closed deals a baseline needs before it sets a range. A centre read off a handful of
 * deals is itself uncertain, which the limits (drawn around it as if it were known) leave out:
 * 1 win in 12 deals put a month of 3 wins in 3 "above the normal range", while Fisher's exact
 * test of the same counts is nowhere near the limits' level. 30, as for a driver's segment.
 */
export const MIN_BASELINE_DEALS = 30

/** One month of the chart. Rates are fractions; null when undefined (nothing closed, no baseline). */
export interface PChartPoint {
  month: string
  won: number
  lost: number
  n: number
  winRate: number | null
  center: number | null
  lcl: number | null
  ucl: number | null
  partial: boolean
  anomaly: 'low' | 'high' | null
  limitMethod: LimitMethod | null
  baselineFrom: string | null
  baselineTo: string | null
  baselineN: number
  /** (p - centre) / sigma (Laney-adjusted when used). */
  z: number | null
  /** Laney sigma_z of this month's baseline (>= 1), or null when the baseline was not overdispersed. */
  overdispersion: number | null
  runRules: string[]
}

/** Tail probability of a 3-sigma limit on one side. */
const ALPHA = 0.00135
/** A month's n is "small" when the expected wins or losses fall below this: exact limits then. */
const MIN_EXPECTED = 10
/**
 * Chi-square dispersion test level below which the baseline is called overdispersed (Laney p').
 * The test is repeated for every judged month on overlapping baselines, so at 0.05 one flat,
 * binomial history in eight got Laney limits somewhere by chance, and their widening hid real drops.
 */
const DISPERSION_P = 0.01

const RULE_NAMES: Record<RunSignal['rule'], string> = {
  eight_below: '8 complete months in a row below the centre line',
  eight_above: '8 complete months in a row above the centre line',
  two_of_three_low: '2 of 3 complete months more than 2 sigma below the centre line',
  two_of_three_high: '2 of 3 complete months more than 2 sigma above the centre line',
}

/**
 * A p-chart of monthly win rates (Phase II style). Each complete month is judged against a
 * baseline of up to `baselineMonths` earlier complete months that had closed deals and were not
 * themselves flagged (so a sustained shift keeps showing instead of being absorbed), holding both
 * won and lost deals and at least `minBaselineDeals` (default {@link MIN_BASELINE_DEALS}). The centre is
 * the baseline's pooled win rate; limits are p-bar +/- 3 sqrt(p-bar(1-p-bar)/n) with the month's own
 * n, replaced by exact binomial limits when n is small and widened by Laney's sigma_z when the
 * baseline is overdispersed (chi-square dispersion test, p < 0.01). Run rules are secondary signals.
 * The partial month gets a centre and limits for the chart but never an anomaly.
 */
export function pChart(months: readonly MonthOutcome[], options: PChartOptions = {}): { points: PChartPoint[]; runSignals: RunSignal[] } {
  const maxBaseline = options.baselineMonths ?? 12
  const minBaseline = options.minBaselineMonths ?? MIN_BASELINE_MONTHS
  const minDeals = options.minBaselineDeals ?? MIN_BASELINE_DEALS
  const points: PChartPoint[] = []
  const usable: Array<{ index: number; won: number; n: number }> = []
  for (const [index, m] of months.entries()) {
    const n = m.won + m.lost
    const winRate = n > 0 ? m.won / n : null
    const baseline = usable.slice(-maxBaseline)
    const point: PChartPoint = {
      month: m.month,
      won: m.won,
      lost: m.lost,
      n,
      winRate,
      center: null,
      lcl: null,
      ucl: null,
      partial: m.partial,
      anomaly: null,
      limitMethod: null,
      baselineFrom: null,
      baselineTo: null,
      baselineN: 0,
      z: null,
      overdispersion: null,
      runRules: [],
    }
    const bWon = baseline.reduce((s, b) => s + b.won, 0)
    const bN = baseline.reduce((s, b) => s + b.n, 0)
    // A baseline of one outcome only (no win, or no loss) has a centre of 0% or 100% whose limits
    // would call a single deal of the other outcome an anomaly: no range is set from it, nor from
    // one too small to know its own centre.
    if (baseline.length >= minBaseline && bN >= minDeals && bWon > 0 && bWon < bN) {
      const center = bWon / bN
      point.center = center
      point.baselineFrom = months[baseline[0]!.index]!.month
      point.baselineTo = months[baseline[baseline.length - 1]!.index]!.month
      point.baselineN = bN
      const sigmaZ = laneySigmaZ(baseline, center)
      if (n > 0) judge(point, center, sigmaZ)
    }
    points.push(point)
    if (!m.partial && n > 0 && point.anomaly === null) usable.push({ index, won: m.won, n })
  }
  const runSignals = applyRunRules(points)
  return { points, runSignals }
}

/**
 * Whether a month of `n` closed deals is too small for the normal approximation around `center`
 * (expected wins or losses below 10): its limits are then exact binomial ones, or, on an
 * overdispersed baseline, Laney's never narrower than those.
 */
export function isSmallMonth(n: number, center: number): boolean {
  return Math.min(n * center, n * (1 - center)) < MIN_EXPECTED
}

function judge(point: PChartPoint, center: number, sigmaZ: number | null): void {
  const n = point.n
  const p = point.winRate as number
  const sigma = Math.sqrt((center * (1 - center)) / n)
  const small = isSmallMonth(n, center)
  let anomaly: 'low' | 'high' | null
  if (sigmaZ !== null) {
    const s = sigma * sigmaZ
    point.limitMethod = 'laney'
    point.overdispersion = sigmaZ
    point.lcl = Math.max(0, center - 3 * s)
    point.ucl = Math.min(1, center + 3 * s)
    if (small) {
      // Laney widens the normal approximation, which is what fails for a small month: its limits
      // are never narrower than the exact ones (7 wins of 20 on a 10.5% centre is within them).
      const { low, high } = binomialLimits(n, center, ALPHA)
      point.lcl = Math.min(point.lcl, low / n)
      point.ucl = Math.max(point.ucl, high / n)
    }
    point.z = s > 0 ? (p - center) / s : 0
    anomaly = p < point.lcl ? 'low' : p > point.ucl ? 'high' : null
  } else if (small) {
    const { low, high } = binomialLimits(n, center, ALPHA)
    point.limitMethod = 'exact-binomial'
    point.lcl = low / n
    point.ucl = high / n
    point.z = sigma > 0 ? (p - center) / sigma : 0
    anomaly = point.won < low ? 'low' : point.won > high ? 'high' : null
  } else {
    point.limitMethod = 'binomial'
    point.lcl = Math.max(0, center - 3 * sigma)
    point.ucl = Math.min(1, center + 3 * sigma)
    point.z = (p - center) / sigma
    anomaly = p < point.lcl ? 'low' : p > point.ucl ? 'high' : null
  }
  point.anomaly = point.partial ? null : anomaly
}

/**
 * Laney's sigma_z (average moving range of the baseline months' z-scores / 1.128), used only when
 * the chi-square dispersion test says the baseline varies more than the binomial allows; never below 1.
 */
function laneySigmaZ(baseline: ReadonlyArray<{ won: number; n: number }>, center: number): number | null {
  if (baseline.length < 3 || center <= 0 || center >= 1) return null
  const z = baseline.map((b) => (b.won / b.n - center) / Math.sqrt((center * (1 - center)) / b.n))
  const chi2 = z.reduce((s, v) => s + v * v, 0)
  if (chiSquareSf(chi2, baseline.length - 1) >= DISPERSION_P) return null
  let mr = 0
  for (let i = 1; i < z.length; i++) mr += Math.abs(z[i]! - z[i - 1]!)
  return Math.max(1, mr / (z.length - 1) / 1.128)
}

function applyRunRules(points: PChartPoint[]): RunSignal[] {
  const judged = points.filter((p) => !p.partial && p.z !== null)
  const signals: RunSignal[] = []
  const fire = (rule: RunSignal['rule'], run: PChartPoint[]) => {
    const last = run[run.length - 1] as PChartPoint
    if (!last.runRules.includes(RULE_NAMES[rule])) last.runRules.push(RULE_NAMES[rule])
    signals.push({ rule, name: RULE_NAMES[rule], months: run.map((p) => p.month) })
  }
  for (const [side, rule] of [
    [-1, 'eight_below'],
    [1, 'eight_above'],
  ] as const) {
    let run: PChartPoint[] = []
    const close = () => {
      if (run.length < 8) return
      for (const p of run.slice(7)) if (!p.runRules.includes(RULE_NAMES[rule])) p.runRules.push(RULE_NAMES[rule])
      signals.push({ rule, name: RULE_NAMES[rule], months: run.map((p) => p.month) })
    }
    for (const p of judged) {
      if (Math.sign(p.z as number) === side) run.push(p)
      else {
        close()
        run = []
      }
    }
    close()
  }
  for (const [side, rule] of [
    [-1, 'two_of_three_low'],
    [1, 'two_of_three_high'],
  ] as const) {
    for (let i = 2; i < judged.length; i++) {
      const window = judged.slice(i - 2, i + 1)
      const beyond = window.filter((p) => (p.z as number) * side > 2)
      if (beyond.length < 2 || (judged[i]!.z as number) * side <= 2) continue
      // Overlapping windows are one signal: extend the previous one instead of repeating it.
      const last = signals[signals.length - 1]
      const lastMonth = last?.months[last.months.length - 1]
      if (last && last.rule === rule && lastMonth !== undefined && window.some((p) => p.month === lastMonth)) {
        const months = [...last.months, ...window.map((p) => p.month).filter((m) => m > lastMonth)]
        signals[signals.length - 1] = { ...last, months }
        if (!judged[i]!.runRules.includes(RULE_NAMES[rule])) judged[i]!.runRules.push(RULE_NAMES[rule])
      } else fire(rule, window)
    }
  }
  return signals
}

import type { SegmentOutcomeRow } from '../db/find-segment-outcomes.js'
import { NO_AMOUNT_BAND } from '../domain/amount-band.js'
import { foldSegmentValue } from '../domain/fold-segment-value.js'
import { benjaminiHochberg } from './benjamini-hochberg.js'
import { currencyMoney } from './currency-money.js'
import { formatCount, formatCountOf, formatDeals, formatPercent, formatProbability, SIGNIFICANCE_LEVEL } from './format-figures.js'
import { noMatchFinding } from './no-match-finding.js'
import { normalSf } from './normal-distribution.js'
import {
  type DriverSegment,
  type DriversReport,
  type Finding,
  type NestedValue,
  type ReportQuery,
  type SegmentField,
  segmentFieldWords,
} from './report-types.js'
import { twoProportionTest } from './two-proportion-test.js'
import { wilsonInterval } from './wilson-interval.js'
import { scopeWords } from './winrate-report.js'

/** Single fields tested, in this order. */
export const DRIVER_FIELDS: readonly SegmentField[] = ['region', 'industry', 'product_type', 'lead_source', 'sales_rep_id', 'amount_band']
/** Two-field combinations tested. */
export const DRIVER_COMBINATIONS: readonly (readonly [SegmentField, SegmentField])[] = [
  ['region', 'amount_band'],
  ['region', 'product_type'],
]
/**
 * Segments with fewer closed deals, or fewer other closed deals to be compared with, are shown but
 * never called significant: a gap against 10 others rests on those 10 deals, however large the segment.
 */
export const DRIVER_MIN_N = 30
/** False discovery rate for `significant`. */
export const DRIVER_Q = 0.05
/** At most this many driver findings in the report's sentences. */
const MAX_FINDINGS = 5

/**
 * `report drivers`: the win rate of every value of every field in {@link DRIVER_FIELDS} and every
 * value pair of {@link DRIVER_COMBINATIONS}, each against all other closed deals: Wilson 95%
 * interval, lift, a two-sided p (Fisher's exact test when a cell is small, else the pooled z
 * test), and Benjamini-Hochberg q across every segment tested. A segment is `significant` when
 * q < 0.05 and both the segment and all other closed deals number at least {@link DRIVER_MIN_N}. Fields fixed by the query's filters are not tested, nor is a
 * segment that holds every closed deal (nothing to compare it with), nor a pair that holds exactly
 * the deals of one of its values (that value's own segment). `crossTabs`, the counts of other field
 * pairs' value combinations ({@link nestingFieldPairs}), tell which significant values sit inside a
 * value of another field (`nested`, {@link findNestedValues}). Pure.
 */
export function driversReport(
  rows: readonly SegmentOutcomeRow[],
  query: ReportQuery,
  closedCurrencies: readonly (string | null)[] = [],
  crossTabs: readonly SegmentOutcomeRow[] = [],
): DriversReport {
  const fixed = new Set(Object.keys(query.where ?? {}))
  const singles = rows.filter((r) => r.fields.length === 1)
  const firstField = singles[0]?.fields[0]
  const base = firstField === undefined ? [] : singles.filter((r) => r.fields[0] === firstField)
  const n = base.reduce((s, r) => s + r.n, 0)
  const won = base.reduce((s, r) => s + r.won, 0)
  // A segment holding every closed deal (a field with one value) has no rest to be compared with: not tested.
  // Nor is a pair holding exactly the deals of one of its values (every deal of that value has the
  // other one too, as when a field has one value): the same deals, tested once, as that value.
  const singleN = new Map(singles.map((r) => [`${r.fields[0]}\u0000${r.values[0]}`, r.n]))
  const repeatsAValue = (r: SegmentOutcomeRow) =>
    r.fields.length === 2 && r.fields.some((f, i) => singleN.get(`${f}\u0000${r.values[i]}`) === r.n)
  // CRM deals with no amount are in no amount band (contract.md names four): not tested as one,
  // they count among the others of every segment, and a note says how many there are.
  const noAmount = (r: SegmentOutcomeRow) => r.fields.some((f, i) => f === 'amount_band' && r.values[i] === NO_AMOUNT_BAND)
  const tested = rows.filter((r) => !r.fields.some((f) => fixed.has(f)) && r.n > 0 && r.n < n && !repeatsAValue(r) && !noAmount(r))
  const unpriced = fixed.has('amount_band') ? 0 : (singleN.get(`amount_band\u0000${NO_AMOUNT_BAND}`) ?? 0)
  const draft = tested.map((r) => {
    const othersN = n - r.n
    const othersWon = won - r.won
    const winRate = r.won / r.n
    const othersWinRate = othersN > 0 ? othersWon / othersN : null
    const ci = wilsonInterval(r.won, r.n)
    const t = twoProportionTest(r.won, r.n, othersWon, othersN)
    const segment: Partial<Record<SegmentField, string>> = {}
    r.fields.forEach((f, i) => {
      segment[f as SegmentField] = r.values[i] as string
    })
    return {
      segment,
      n: r.n,
      won: r.won,
      winRate,
      lift: othersWinRate !== null && othersWinRate > 0 ? winRate / othersWinRate : null,
      ciLow: ci.low,
      ciHigh: ci.high,
      pValue: t.pValue,
      label: r.values.join(' x '),
      othersN,
      othersWon,
      othersWinRate,
      test: t.test,
    }
  })
  const q = benjaminiHochberg(draft.map((d) => d.pValue))
  const segments: DriverSegment[] = draft
    .map((d, i) => {
      const qValue = q[i] as number
      const significant = qValue < DRIVER_Q && d.n >= DRIVER_MIN_N && d.othersN >= DRIVER_MIN_N
      const direction = !significant || d.othersWinRate === null ? null : d.winRate < d.othersWinRate ? ('low' as const) : ('high' as const)
      return { ...d, qValue, significant, direction }
    })
    // Ties broken by the segment itself, compared code unit by code unit: the same order on every database.
    .sort(
      (a, b) =>
        Number(b.significant) - Number(a.significant) ||
        a.qValue - b.qValue ||
        b.n - a.n ||
        compareText(segmentKey(a.segment), segmentKey(b.segment)),
    )
  // Which significant values sit inside a significant value of another field (a rep in a region),
  // from the driver pairs' counts and the other two-field counts the caller read (`crossTabs`).
  const nested = findNestedValues(segments, [...rows.filter((r) => r.fields.length === 2), ...crossTabs])
  const noMatch = n === 0 ? noMatchFinding('drivers', query.where ?? {}, `deal closed by ${query.asOf}`) : null
  const caseVariants = findCaseVariants(singles.filter((r) => !fixed.has(r.fields[0] as string)))
  return {
    asOf: query.asOf,
    where: query.where ?? {},
    overallWinRate: n > 0 ? won / n : null,
    n,
    won,
    minN: DRIVER_MIN_N,
    tested: segments.length,
    segments,
    combinations: DRIVER_COMBINATIONS.filter(([a, b]) => !fixed.has(a) && !fixed.has(b)),
    findings: noMatch
      ? [noMatch]
      : [
          ...driverFindings(segments, n, won, scopeWords(query.where ?? {}), closedCurrencies, nested),
          ...(unpriced > 0 ? [noAmountNote(unpriced)] : []),
          ...caseVariants.map(caseVariantsNote),
        ],
    closedCurrencies: [...closedCurrencies],
    caseVariants,
    nested,
  }
}

/**
 * The values of each field that differ only in case or surrounding spaces (`EMEA`, `emea`), in
 * the deals' spelling, sorted; fields and groups in the order met. Each stays its own segment.
 */
function findCaseVariants(singles: readonly SegmentOutcomeRow[]): Array<{ field: SegmentField; values: string[] }> {
  const groups = new Map<string, { field: SegmentField; values: string[] }>()
  for (const r of singles) {
    const field = r.fields[0] as SegmentField
    const value = r.values[0] as string
    const key = `${field}\u0000${foldSegmentValue(value)}`
    const group = groups.get(key) ?? { field, values: [] }
    if (!group.values.includes(value)) group.values.push(value)
    groups.set(key, group)
  }
  return [...groups.values()].filter((g) => g.values.length > 1).map((g) => ({ field: g.field, values: [...g.values].sort(compareText) }))
}

/** Context: a field holds values that differ only in case or spaces, each tested as its own segment. */
function caseVariantsNote(g: { field: SegmentField; values: readonly string[] }): Finding {
  const shown = g.values.map((v) => `"${v}"`).join(', ')
  return {
    report: 'drivers',
    key: 'drivers_case_variants',
    significant: false,
    text: `${g.field} holds values that differ only in case or surrounding spaces (${shown}): each is tested as its own segment, while a filter such as ${g.field}=${g.values[0]} takes the deals of all of them.`,
  }
}

/** Context: how many closed deals have no amount in the CRM, and so no amount-band segment. */
function noAmountNote(deals: number): Finding {
  return {
    report: 'drivers',
    key: 'drivers_no_amount',
    significant: false,
    text: `${formatDeals(deals, 'closed')} ${deals === 1 ? 'has' : 'have'} no amount in the CRM, so no amount band: ${deals === 1 ? 'it is' : 'they are'} not tested as a segment, only counted among the others.`,
  }
}

/**
 * What a two-field segment adds to its parts, as a z statistic: the interaction of a 2 x 2 split
 * of the closed deals (in both values, in only the first, in only the second, in neither), that is
 * logit(both) - logit(first only) - logit(second only) + logit(neither), over its standard error
 * (the square root of the sum of 1/won + 1/lost over the four cells, each plus 0.5); 0 when that
 * points the other way from its lift. A pair that merely inherits one value's effect (every
 * region's 100k+ deals win less) scores near 0; one that is low on its own (EMEA's 50k-100k deals,
 * while EMEA's other deals win as usual) scores high. Each value is compared without the pair's
 * own deals, so a strong pair does not hide in its values' rates. `all` is every closed deal.
 * Single-field segments score 0.
 */
export function pairEvidence(s: DriverSegment, segments: readonly DriverSegment[], all: { n: number; won: number }): number {
  const fields = Object.entries(s.segment) as Array<[SegmentField, string]>
  if (fields.length !== 2 || s.lift === null) return 0
  const parts = fields.map(([field, value]) => singleSegment(segments, field, value))
  const [a, b] = parts
  if (!a || !b) return 0
  const cells = [
    { n: s.n, won: s.won, sign: 1 },
    { n: a.n - s.n, won: a.won - s.won, sign: -1 },
    { n: b.n - s.n, won: b.won - s.won, sign: -1 },
    { n: all.n - a.n - b.n + s.n, won: all.won - a.won - b.won + s.won, sign: 1 },
  ]
  let interaction = 0
  let variance = 0
  for (const c of cells) {
    const lost = c.n - c.won
    interaction += c.sign * Math.log((c.won + 0.5) / (lost + 0.5))
    variance += 1 / (c.won + 0.5) + 1 / (lost + 0.5)
  }
  if (Math.sign(interaction) !== Math.sign(Math.log(s.lift))) return 0
  return Math.abs(interaction) / Math.sqrt(variance)
}

// Each segment list's single-field segments by field and value, indexed once per list (a report's
// segments are not changed once made): with hundreds of values and thousands of pairs, looking
// them up one by one made a report take minutes.
const singlesBySegments = new WeakMap<readonly DriverSegment[], Map<string, DriverSegment>>()

/** The first single-field segment of `segments` whose `field` is `value`, as `segments.find` would give it. */
function singleSegment(segments: readonly DriverSegment[], field: string, value: string): DriverSegment | undefined {
  let index = singlesBySegments.get(segments)
  if (!index) {
    index = new Map()
    for (const p of segments) {
      const entries = Object.entries(p.segment)
      const [only] = entries
      if (entries.length !== 1 || only === undefined) continue
      const key = `${only[0]}\u0000${only[1]}`
      if (!index.has(key)) index.set(key, p)
    }
    singlesBySegments.set(segments, index)
  }
  return index.get(`${field}\u0000${value}`)
}

/**
 * Whether `d` has more evidence than `s`; on a tie (the two values of a two-value field with as many
 * deals each have the same |ln lift| x sqrt(n)) the value that wins more, so one of them is the
 * finding and the other its mirror, never both stated as two findings.
 */
function outweighs(d: DriverSegment, s: DriverSegment): boolean {
  const a = driverEvidence(d)
  const b = driverEvidence(s)
  if (Math.abs(a - b) > 1e-9 * Math.max(a, b)) return a > b
  return d.direction === 'high' && s.direction === 'low'
}

/**
 * The stronger values of a significant single-field segment's own field that it only mirrors, or
 * an empty list. One value that wins far more than the rest drags down "all others" of every other
 * value of its field, so with enough deals each of them is significant the other way: with Referral
 * deals winning 69% and every other source 45%, "Partner deals win 44% vs 54% for all others" is
 * Referral's effect seen from the other side. So the deals of the field's significant values on the
 * other side with more evidence (|ln lift| x sqrt(n)) are set apart from "all others", and the
 * segment is tested again against the rest: it mirrors them when it is no longer significant at the
 * report's cutoff (Benjamini-Hochberg's k q / m, with k of the m segments kept), or when no other deal is left (the
 * weaker side of a two-value field). Two-field segments and segments not significant mirror nothing.
 */
export function mirroredValues(s: DriverSegment, segments: readonly DriverSegment[]): DriverSegment[] {
  const fields = Object.keys(s.segment) as SegmentField[]
  const field = fields[0]
  if (fields.length !== 1 || field === undefined || !s.significant) return []
  const stronger = segments.filter(
    (d) =>
      d !== s &&
      d.significant &&
      d.direction !== s.direction &&
      Object.keys(d.segment).length === 1 &&
      d.segment[field] !== undefined &&
      outweighs(d, s),
  )
  if (stronger.length === 0) return []
  const restN = s.othersN - stronger.reduce((t, d) => t + d.n, 0)
  const restWon = s.othersWon - stronger.reduce((t, d) => t + d.won, 0)
  if (restN <= 0) return stronger
  return twoProportionTest(s.won, s.n, restWon, restN).pValue > keptCutoff(segments) ? stronger : []
}

/** Benjamini-Hochberg's step-up cutoff of the report: k of the m segments kept means p <= k q / m was enough. */
function keptCutoff(segments: readonly DriverSegment[]): number {
  return (segments.filter((d) => d.qValue < DRIVER_Q).length / segments.length) * DRIVER_Q
}

/**
 * The pairs that carry a significant single-field segment's whole gap, strongest first, or an empty
 * list. A value can owe its gap to one pair: EMEA's $50k-100k deals lose on their own while EMEA's
 * other deals win at the base rate, so "Deals in EMEA win less" names the wrong thing; and with those
 * deals among their "all others", the other regions can each win more than all others for the same
 * reason. Of the significant pairs that add to their parts ({@link pairInteractionQ} below 0.05) and
 * either hold the segment's value, on its side, or hold another value of its field, on the other
 * side, the one with the most extra effect ({@link pairEvidence}) is set apart (from the segment, or
 * from its others), and the segment is tested again: the pair carries the gap when the rest no longer
 * differs on the segment's side at the report's cutoff (Benjamini-Hochberg's k q / m, as in
 * {@link mirroredValues}). When it still does, every such pair of the same two fields and on the
 * same side of the segment (those pairs share no deal) is set apart together, so a gap that two
 * pairs carry between them (EMEA's $50k-100k and $100k+ deals) is theirs too. A value whose gap
 * remains keeps its finding; without a pair whose extra effect is supported, nothing is set apart.
 * Two-field segments carry nothing.
 */
export function carryingPairs(s: DriverSegment, segments: readonly DriverSegment[], all: { n: number; won: number }): DriverSegment[] {
  const entries = Object.entries(s.segment) as Array<[SegmentField, string]>
  const [own] = entries
  if (entries.length !== 1 || own === undefined || !s.significant) return []
  const [field, value] = own
  const q = pairInteractionQ(segments, all)
  const supported: Array<{ pair: DriverSegment; z: number }> = []
  for (const d of segments) {
    const other = d.segment[field]
    if (Object.keys(d.segment).length !== 2 || other === undefined || !d.significant) continue
    if ((other === value) !== (d.direction === s.direction) || !((q.get(d) ?? 1) < SIGNIFICANCE_LEVEL)) continue
    const z = pairEvidence(d, segments, all)
    if (z > 0) supported.push({ pair: d, z })
  }
  if (supported.length === 0) return []
  supported.sort((a, b) => b.z - a.z)
  const best = (supported[0] as { pair: DriverSegment }).pair
  if (gapGoesWith(s, [best], segments)) return [best]
  const inside = (d: DriverSegment) => d.segment[field] === value
  const fieldsOf = (d: DriverSegment) => Object.keys(d.segment).join(',')
  const together = supported.map((c) => c.pair).filter((d) => fieldsOf(d) === fieldsOf(best) && inside(d) === inside(best))
  return together.length > 1 && gapGoesWith(s, together, segments) ? together : []
}

/** Whether `s` no longer differs on its side from its others at the report's cutoff once the deals of `apart` are set apart. */
function gapGoesWith(s: DriverSegment, apart: readonly DriverSegment[], segments: readonly DriverSegment[]): boolean {
  const { segment, others } = withoutPairs(s, apart)
  if (segment.n <= 0 || others.n <= 0) return true
  const rate = segment.won / segment.n
  const othersRate = others.won / others.n
  const sameSide = s.direction === 'low' ? rate < othersRate : rate > othersRate
  return !(sameSide && twoProportionTest(segment.won, segment.n, others.won, others.n).pValue <= keptCutoff(segments))
}

/**
 * Single-field segment `s` and its others with the deals of `pairs` set apart: from the segment
 * when a pair holds its value, else from its others (a pair of another value of its field). The
 * pairs share no deal. `inside` tells whether the first pair holds the value.
 */
function withoutPairs(
  s: DriverSegment,
  pairs: readonly DriverSegment[],
): { inside: boolean; segment: { n: number; won: number }; others: { n: number; won: number } } {
  const holds = (pair: DriverSegment) => Object.entries(s.segment).every(([f, v]) => pair.segment[f as SegmentField] === v)
  const within = pairs.filter(holds)
  const among = pairs.filter((p) => !holds(p))
  const sum = (xs: readonly DriverSegment[], k: 'n' | 'won') => xs.reduce((t, d) => t + d[k], 0)
  return {
    inside: pairs[0] !== undefined && holds(pairs[0]),
    segment: { n: s.n - sum(within, 'n'), won: s.won - sum(within, 'won') },
    others: { n: s.othersN - sum(among, 'n'), won: s.othersWon - sum(among, 'won') },
  }
}

/** A value counts as nested in another field's value when at least this share of its closed deals are inside it. */
export const NESTED_SHARE = 0.95

/**
 * Every significant single value with at least {@link NESTED_SHARE} of its closed deals inside one
 * significant value of another field, from the two-field counts `pairRows` (any two fields, in
 * either order): a rep who sells in one region, a lead source used by one segment only. Pure.
 */
export function findNestedValues(segments: readonly DriverSegment[], pairRows: readonly SegmentOutcomeRow[]): NestedValue[] {
  const out: NestedValue[] = []
  const seen = new Set<string>()
  for (const r of pairRows) {
    if (r.fields.length !== 2) continue
    for (const [i, j] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const s = singleSegment(segments, r.fields[i] as string, r.values[i] as string)
      const u = singleSegment(segments, r.fields[j] as string, r.values[j] as string)
      if (!s?.significant || !u?.significant || r.n < NESTED_SHARE * s.n) continue
      const key = `${segmentKey(s.segment)}\u0001${segmentKey(u.segment)}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ segment: s.segment, within: u.segment, n: r.n, won: r.won })
    }
  }
  return out
}

/**
 * How a significant single value `s` nested in another field's value ({@link findNestedValues})
 * goes with it, or undefined when it stands on its own. A rep of a region that loses more wins what
 * the rest of the region wins: "Deals owned by rep_10 win less" would restate the region's gap. So
 * `s`'s deals inside a significant value `within` on its side are tested against that value's other
 * deals: when they do not differ on `s`'s side at the report's cutoff ({@link mirroredValues}'s),
 * the gap goes with `within` (`twin` false). When `within` is as nested in `s` (a region with one
 * rep: almost the same deals), the data cannot tell the two apart: the one with more evidence
 * (|ln lift| x sqrt(n); on a tie, the field tested first) is stated, and the other goes with it
 * (`twin` true). A value whose gap comes from other values nested in it ({@link nestedCarriers}:
 * two strong reps of a region) is not stated, and its other deals hold theirs: a third rep of it
 * that wins less than those two but more than all others stands on its own, not hidden with it.
 */
export function nestedWithin(
  s: DriverSegment,
  segments: readonly DriverSegment[],
  nested: readonly NestedValue[],
): { within: DriverSegment; cell: NestedValue; twin: boolean } | undefined {
  return nestedWithinOf(s, segments, nested, true)
}

/**
 * {@link nestedWithin}; with `stated`, a value whose own gap comes from other values nested in it
 * ({@link nestedCarriers}, as those values stand on their own: not asked again) is no value to go
 * with: it is not stated, and the rest of it holds those other values' deals.
 */
function nestedWithinOf(
  s: DriverSegment,
  segments: readonly DriverSegment[],
  nested: readonly NestedValue[],
  stated: boolean,
): { within: DriverSegment; cell: NestedValue; twin: boolean } | undefined {
  if (!s.significant || Object.keys(s.segment).length !== 1) return undefined
  const key = segmentKey(s.segment)
  let found: { within: DriverSegment; cell: NestedValue; twin: boolean } | undefined
  for (const cell of nested) {
    if (segmentKey(cell.segment) !== key) continue
    const [[field, value] = ['', '']] = Object.entries(cell.within)
    const u = singleSegment(segments, field, value)
    if (!u?.significant || u.direction !== s.direction) continue
    const uKey = segmentKey(u.segment)
    const twin = nested.some((c) => segmentKey(c.segment) === uKey && segmentKey(c.within) === key)
    if (twin) {
      if (!statedBefore(u, s)) continue
    } else if (!goesWith(s, u, cell, segments) || (stated && carriersOf(u, segments, nested, false).length > 0)) continue
    if (!found || driverEvidence(u) > driverEvidence(found.within)) found = { within: u, cell, twin }
  }
  return found
}

/** Whether nested `s`'s deals inside `u` (`cell`) do not differ, on `s`'s side, from `u`'s other deals at the report's cutoff. */
function goesWith(s: DriverSegment, u: DriverSegment, cell: NestedValue, segments: readonly DriverSegment[]): boolean {
  const restN = u.n - cell.n
  if (restN <= 0 || cell.n <= 0) return true
  const restWon = u.won - cell.won
  const rate = cell.won / cell.n
  const restRate = restWon / restN
  const sameSide = s.direction === 'low' ? rate < restRate : rate > restRate
  return !(sameSide && twoProportionTest(cell.won, cell.n, restWon, restN).pValue <= keptCutoff(segments))
}

/** Of two values with almost the same deals, whether `a` is the one stated: more evidence, else the field tested first. */
function statedBefore(a: DriverSegment, b: DriverSegment): boolean {
  const ea = driverEvidence(a)
  const eb = driverEvidence(b)
  if (Math.abs(ea - eb) > 1e-9 * Math.max(ea, eb)) return ea > eb
  const order = (d: DriverSegment) => DRIVER_FIELDS.indexOf(Object.keys(d.segment)[0] as SegmentField)
  return order(a) < order(b)
}

/**
 * The nested values that carry a significant single value's whole gap, as the cells of their deals
 * inside it ("deals in EMEA owned by rep_07"), or an empty list: when one rep of a region loses and
 * the region's other reps win as usual, "Deals in EMEA win less" names the wrong thing, as with a
 * pair ({@link carryingPairs}). The significant values nested in `s` on its side that stand on
 * their own ({@link nestedWithin} undefined) are set apart from it together, and it is tested
 * again against the same others at the report's cutoff.
 */
export function nestedCarriers(s: DriverSegment, segments: readonly DriverSegment[], nested: readonly NestedValue[]): DriverSegment[] {
  return carriersOf(s, segments, nested, true)
}

/** {@link nestedCarriers}: the nested values standing on their own by {@link nestedWithinOf} with `stated`. */
function carriersOf(
  s: DriverSegment,
  segments: readonly DriverSegment[],
  nested: readonly NestedValue[],
  stated: boolean,
): DriverSegment[] {
  if (!s.significant || Object.keys(s.segment).length !== 1) return []
  const key = segmentKey(s.segment)
  const cells: DriverSegment[] = []
  for (const cell of nested) {
    if (segmentKey(cell.within) !== key) continue
    const [[field, value] = ['', '']] = Object.entries(cell.segment)
    const v = singleSegment(segments, field, value)
    if (!v?.significant || v.direction !== s.direction || nestedWithinOf(v, segments, nested, stated)) continue
    const winRate = cell.n > 0 ? cell.won / cell.n : 0
    cells.push({ ...v, segment: { ...s.segment, ...v.segment }, n: cell.n, won: cell.won, winRate, label: `${s.label} x ${v.label}` })
  }
  if (cells.length === 0) return []
  // Values of one field share no deal: set apart together.
  const byField = new Map<string, DriverSegment[]>()
  for (const c of cells) {
    const f = Object.keys(c.segment).find((k) => s.segment[k as SegmentField] === undefined) as string
    byField.set(f, [...(byField.get(f) ?? []), c])
  }
  for (const group of byField.values()) {
    const sorted = [...group].sort((a, b) => driverEvidence(b) - driverEvidence(a))
    if (gapGoesWith(s, sorted, segments)) return sorted
  }
  return []
}

/**
 * The two-sided p of a pair's interaction z ({@link pairEvidence}): how often chance alone would
 * take the pair this far from what its two values predict. 1 for a z of 0 (no extra effect, or one
 * pointing the other way from the pair's lift).
 */
export function pairInteractionP(z: number): number {
  return z <= 0 ? 1 : Math.min(1, 2 * normalSf(z))
}

/**
 * Benjamini-Hochberg q of every two-field segment's interaction p ({@link pairInteractionP}), across
 * all the pairs in `segments`: the same false-discovery control the segments' own q-values have.
 * With 4 regions, 4 amount bands and 3 products, 28 pairs are tested, and at p < 0.05 each one
 * chance alone would call one of them "adding to its parts" in most reports with broad effects.
 */
export function pairInteractionQ(segments: readonly DriverSegment[], all: { n: number; won: number }): ReadonlyMap<DriverSegment, number> {
  // Asked for each significant value and finding of a report: worked out once per segment list.
  const known = pairQBySegments.get(segments)
  if (known && known.n === all.n && known.won === all.won) return known.q
  const pairs = segments.filter((s) => Object.keys(s.segment).length === 2)
  const q = benjaminiHochberg(pairs.map((s) => pairInteractionP(pairEvidence(s, segments, all))))
  const byPair = new Map(pairs.map((s, i) => [s, q[i] as number]))
  pairQBySegments.set(segments, { n: all.n, won: all.won, q: byPair })
  return byPair
}

// {@link pairInteractionQ} of each segment list, with the totals it was worked out for.
const pairQBySegments = new WeakMap<readonly DriverSegment[], { n: number; won: number; q: ReadonlyMap<DriverSegment, number> }>()

/**
 * Of the `candidates` (significant segments), the two-field one that adds most to its parts
 * ({@link pairEvidence}), or undefined when no pair's extra effect is supported (its
 * {@link pairInteractionQ} below 0.05, corrected over every pair tested): a pair that differs from
 * all others no more than its values' own effects explain, within chance, does not add to its parts. With a two-value field
 * the two pairs of a cell mirror each other and tie; the one whose own lift lies further from 1
 * (the odd cell) is named.
 */
export function strongestPair(
  candidates: readonly DriverSegment[],
  segments: readonly DriverSegment[],
  all: { n: number; won: number },
): DriverSegment | undefined {
  const q = pairInteractionQ(segments, all)
  let best: DriverSegment | undefined
  let bestZ = 0
  for (const s of candidates) {
    if (!((q.get(s) ?? 1) < SIGNIFICANCE_LEVEL)) continue
    const z = pairEvidence(s, segments, all)
    const tie = best !== undefined && Math.abs(z - bestZ) <= 1e-9 * Math.max(z, bestZ)
    if (tie ? Math.abs(Math.log(s.lift ?? 1)) > Math.abs(Math.log(best?.lift ?? 1)) : z > bestZ) {
      best = s
      bestZ = z
    }
  }
  return best
}

/**
 * "Deals of $50k-100k in EMEA win 14% vs 32% for all others (0.44x, n=802, q<0.001)". In a filtered
 * report, `scope` ({@link scopeWords} of its filters) follows the segment, "Core deals (EMEA) win 38%
 * vs 23% for all others", so the sentence is not read as the whole company's on its own (in a summary).
 * An amount band is written in the closed deals' currency (`currencies`, as stored: "Deals of
 * 50k-100k EUR"), or, over several, as bare figures marked as each deal's own currency.
 */
export function describeSegment(s: DriverSegment, scope = '', currencies: readonly (string | null)[] = []): string {
  return `${segmentWords(s.segment, currencies)}${scope} win ${formatPercent(s.winRate)} vs ${formatPercent(s.othersWinRate)} for all others (${s.lift === null ? 'n/a' : `${s.lift.toFixed(2)}x`}, n=${formatCount(s.n)}, ${formatProbability('q', s.qValue)})`
}

function driverFindings(
  segments: readonly DriverSegment[],
  n: number,
  won: number,
  scope: string,
  currencies: readonly (string | null)[],
  nested: readonly NestedValue[],
): Finding[] {
  const sig = segments.filter((s) => s.significant)
  if (n === 0) {
    return [
      {
        report: 'drivers',
        key: 'drivers_none',
        significant: false,
        text: 'There are no closed deals: no segment can be compared with the rest, so no driver can be named.',
      },
    ]
  }
  if (segments.length === 0) {
    return [
      {
        report: 'drivers',
        key: 'drivers_none',
        significant: false,
        text:
          n === 1
            ? 'There is only 1 closed deal: no segment can be compared with the rest, so no driver can be named.'
            : `No segment can be compared with the rest: all ${formatCount(n)} closed deals share one value of every field tested, so no driver can be named.`,
      },
    ]
  }
  // With no segment large enough to be called significant, "none differs" would be a verdict the
  // data cannot give: say that there are too few deals instead.
  if (!segments.some((s) => s.n >= DRIVER_MIN_N && s.othersN >= DRIVER_MIN_N)) {
    const need = segments.some((s) => s.n >= DRIVER_MIN_N)
      ? `has ${DRIVER_MIN_N} deals and ${DRIVER_MIN_N} others to compare it with, which a segment needs`
      : `has the ${DRIVER_MIN_N} a segment needs`
    return [
      {
        report: 'drivers',
        key: 'drivers_none',
        significant: false,
        text: `Too few closed deals to name a driver: no segment of the ${formatCount(n)} closed deals ${need} to be called significant.`,
      },
    ]
  }
  if (sig.length === 0) {
    return [
      {
        report: 'drivers',
        key: 'drivers_none',
        significant: false,
        text: `No segment's win rate differs significantly from the rest${scope} after correcting for the ${formatCountOf(segments.length, 'segment')} tested (${formatDeals(n, 'closed')}; q < 0.05 and n >= ${DRIVER_MIN_N} required).`,
      },
    ]
  }
  // Strongest effects first (|ln lift| x sqrt(n)); a combination that adds nothing to its parts
  // (pairEvidence 0: its lift is only its values' own effects) after every other. The pair that
  // adds most to its parts always has a place: broad single-field effects (a product, a lead
  // source) can outrank it on evidence, yet it is the one finding they do not explain.
  const all = { n, won }
  const addsNothing = (s: DriverSegment) => Object.keys(s.segment).length > 1 && pairEvidence(s, segments, all) === 0
  // A value that only mirrors a stronger one of its field, or owes its whole gap to its pairs (one,
  // or several of the same two fields together), is said as such, after the findings, as context.
  // A pair is checked first: with EMEA's $50k-100k deals losing on their own in a two-region store,
  // EMEA would otherwise read as the mirror of the other region, which would be stated.
  // Then a value nested in another field's value (a rep in a region) whose gap goes with it, and a
  // value whose gap the values nested in it carry (one rep of a region).
  const carriers = new Map(sig.map((s) => [s, carryingPairs(s, segments, all)]))
  for (const s of sig) {
    if ((carriers.get(s) ?? []).length > 0) continue
    if (nestedWithin(s, segments, nested)) continue
    carriers.set(s, nestedCarriers(s, segments, nested))
  }
  const carried = (s: DriverSegment) => (carriers.get(s) ?? []).length > 0
  const withins = new Map(sig.filter((s) => !carried(s)).map((s) => [s, nestedWithin(s, segments, nested)]))
  const mirrors = new Map(sig.filter((s) => !carried(s) && !withins.get(s)).map((s) => [s, mirroredValues(s, segments)]))
  const echo = (s: DriverSegment) => (mirrors.get(s)?.length ?? 0) > 0 || carried(s) || withins.get(s) !== undefined
  const ranked = [...sig].sort(
    (a, b) => Number(echo(a)) - Number(echo(b)) || Number(addsNothing(a)) - Number(addsNothing(b)) || driverEvidence(b) - driverEvidence(a),
  )
  const top = ranked.slice(0, MAX_FINDINGS)
  const bestPair = strongestPair(sig, segments, all)
  if (bestPair && !top.includes(bestPair)) top.splice(MAX_FINDINGS - 1, 1, bestPair)
  return top.map((s) => {
    if (s === bestPair) return addsToPartsFinding(s, segments, all, scope, currencies)
    const carrier = carriers.get(s) ?? []
    if (carrier.length > 0) return carriedFinding(s, carrier, segments, scope, currencies)
    const within = withins.get(s)
    if (within) return nestedFinding(s, within, segments, scope, currencies)
    const mirrored = mirrors.get(s) ?? []
    if (mirrored.length === 0) return statedDriverFinding(s, segments, nested, scope, currencies)
    return {
      ...driverFinding(s, scope, currencies),
      significant: false,
      text: `${describeSegment(s, scope, currencies)}, ${mirrorWords(s, mirrored, currencies)}.`,
    }
  })
}

/**
 * A single-field segment whose gap its pair `carrier` carries ({@link carryingPair}), as context:
 * "Deals in EMEA win 24% vs 33% for all others (0.74x, n=480, q=0.004), a gap that comes from
 * Enterprise deals in EMEA (7.5%); the other deals in EMEA win 33%, not significantly less than all
 * others (p=0.41)." A p below 0.05 is put next to the report's cutoff ({@link mirroredValues}'s),
 * and other deals that differ the other way read "no less (more) than all others". A pair among the
 * segment's others is said as a mirrored value is: "..., a gap that comes from deals of $50k-100k in
 * EMEA (10%) among those others; without them, the others win 33%". Its key is
 * {@link driverFinding}'s; it is not a finding to act on.
 */
export function carriedFinding(
  s: DriverSegment,
  carrier: DriverSegment | readonly DriverSegment[],
  segments: readonly DriverSegment[],
  scope = '',
  currencies: readonly (string | null)[] = [],
): Finding {
  const carriers: readonly DriverSegment[] = Array.isArray(carrier) ? carrier : [carrier as DriverSegment]
  const split = withoutPairs(s, carriers)
  const finding = { ...driverFinding(s, scope, currencies), significant: false }
  if (!split.inside) return { ...finding, text: `${describeSegment(s, scope, currencies)}, ${mirrorWords(s, carriers, currencies)}.` }
  const rest = split.segment
  const pair = inWords(carriers.map((c) => `${lowerFirst(segmentWords(c.segment, currencies))} (${formatPercent(c.winRate)})`))
  const others = `the other ${lowerFirst(segmentWords(s.segment, currencies))}${scope}`
  const side = s.direction === 'low' ? 'less' : 'more'
  let tail = ''
  if (rest.n > 0) {
    const rate = rest.won / rest.n
    const sameSide = s.othersWinRate !== null && (s.direction === 'low' ? rate < s.othersWinRate : rate > s.othersWinRate)
    const test = testWords(twoProportionTest(rest.won, rest.n, s.othersWon, s.othersN).pValue, segments)
    tail = sameSide
      ? `; ${others} win ${formatPercent(rate)}, not significantly ${side} than all others (${test})`
      : `; ${others} win ${formatPercent(rate)}, no ${side} than all others`
  }
  return { ...finding, text: `${describeSegment(s, scope, currencies)}, a gap that comes from ${pair}${tail}.` }
}

/** "p=0.41", or a p below 0.05 next to the report's cutoff ({@link mirroredValues}'s) that it does not reach. */
function testWords(p: number, segments: readonly DriverSegment[]): string {
  return p < SIGNIFICANCE_LEVEL
    ? `${formatProbability('p', p)}, above the cutoff of ${keptCutoff(segments).toPrecision(2)} for the ${formatCountOf(segments.length, 'segment')} tested`
    : formatProbability('p', p)
}

/**
 * A significant single value nested in another field's value whose gap goes with it
 * ({@link nestedWithin}), as context: "Deals owned by rep_10 win 23% vs 34% for all others (0.66x,
 * n=257, q=0.001), a gap its region shares: 100% of them are deals in EMEA, and the other deals in
 * EMEA win 24%, not significantly more than these (p=0.71)." When the two are almost the same deals:
 * "..., almost the same deals as deals in LATAM (98% of them are, and they are 97% of those): the data
 * cannot tell the rep's effect from the region's, stated as the region's." Its key is
 * {@link driverFinding}'s; it is not a finding to act on.
 */
export function nestedFinding(
  s: DriverSegment,
  nest: { within: DriverSegment; cell: NestedValue; twin: boolean },
  segments: readonly DriverSegment[],
  scope = '',
  currencies: readonly (string | null)[] = [],
): Finding {
  const { within: u, cell, twin } = nest
  const finding = { ...driverFinding(s, scope, currencies), significant: false }
  const head = describeSegment(s, scope, currencies)
  const inside = lowerFirst(segmentWords(u.segment, currencies))
  const ownField = segmentFieldWords(Object.keys(s.segment)[0] as string)
  const field = segmentFieldWords(Object.keys(u.segment)[0] as string)
  const share = (part: number, whole: number) => formatPercent(whole > 0 ? part / whole : 0)
  if (twin) {
    return {
      ...finding,
      text: `${head}, almost the same deals as ${inside}${scope} (${share(cell.n, s.n)} of them are, and they are ${share(cell.n, u.n)} of those): the data cannot tell the ${ownField}'s effect from the ${field}'s, stated as the ${field}'s.`,
    }
  }
  const restN = u.n - cell.n
  const restWon = u.won - cell.won
  const rate = cell.n > 0 ? cell.won / cell.n : 0
  const restRate = restN > 0 ? restWon / restN : 0
  const side = s.direction === 'low' ? 'more' : 'less'
  const differs = s.direction === 'low' ? rate < restRate : rate > restRate
  const compare = differs
    ? `not significantly ${side} than these (${testWords(twoProportionTest(cell.won, cell.n, restWon, restN).pValue, segments)})`
    : `no ${side} than these`
  return {
    ...finding,
    text: `${head}, a gap its ${field} shares: ${share(cell.n, s.n)} of them are ${inside}, and the other ${inside}${scope} win ${formatPercent(restRate)}, ${compare}.`,
  }
}

/**
 * A significant single value stated as a finding ({@link driverFinding}); when a value of another
 * field has almost the same deals and is set apart in its favour ({@link nestedWithin}, `twin`),
 * the sentence says so: "Deals in LATAM win 20% vs 35% for all others (...); almost the same deals
 * as deals owned by rep_09, so the data cannot tell the region's effect from the rep's."
 */
export function statedDriverFinding(
  s: DriverSegment,
  segments: readonly DriverSegment[],
  nested: readonly NestedValue[],
  scope = '',
  currencies: readonly (string | null)[] = [],
): Finding {
  const finding = driverFinding(s, scope, currencies)
  const key = segmentKey(s.segment)
  const twin = nested
    .filter((c) => segmentKey(c.within) === key)
    .map((c) => singleSegment(segments, ...(Object.entries(c.segment)[0] ?? ['', ''])))
    .find((v) => {
      const nest = v && nestedWithin(v, segments, nested)
      return nest?.within === s && nest.twin
    })
  if (!twin) return finding
  const field = segmentFieldWords(Object.keys(s.segment)[0] as string)
  const other = segmentFieldWords(Object.keys(twin.segment)[0] as string)
  return {
    ...finding,
    text: `${describeSegment(s, scope, currencies)}; almost the same deals as ${lowerFirst(segmentWords(twin.segment, currencies))}, so the data cannot tell the ${field}'s effect from the ${other}'s.`,
  }
}

/** "a gap that comes from Referral deals (69%) among those others; without them, the others win 45%". */
function mirrorWords(s: DriverSegment, mirrored: readonly DriverSegment[], currencies: readonly (string | null)[]): string {
  const names = inWords(mirrored.map((d) => `${lowerFirst(segmentWords(d.segment, currencies))} (${formatPercent(d.winRate)})`))
  const restN = s.othersN - mirrored.reduce((t, d) => t + d.n, 0)
  const restWon = s.othersWon - mirrored.reduce((t, d) => t + d.won, 0)
  return restN > 0
    ? `a gap that comes from ${names} among those others; without them, the others win ${formatPercent(restWon / restN)}`
    : `a gap that comes from ${names}, which are all those others`
}

function lowerFirst(text: string): string {
  return text.startsWith('Deals') ? `d${text.slice(1)}` : text
}

/**
 * A significant driver as a finding: key `drivers_<direction>:<field>=<value>[&...]`, its sentence
 * ({@link describeSegment}, with the report's `scope`) as the text.
 */
export function driverFinding(s: DriverSegment, scope = '', currencies: readonly (string | null)[] = []): Finding {
  return {
    report: 'drivers',
    key: `drivers_${s.direction}:${Object.entries(s.segment)
      .map(([f, v]) => `${f}=${v}`)
      .join('&')}`,
    significant: true,
    text: `${describeSegment(s, scope, currencies)}.`,
  }
}

/**
 * The pair that adds to its parts ({@link strongestPair}) as a finding that says so, with the test
 * behind the claim and its correction over the pairs tested ({@link pairInteractionQ}): "Deals of
 * $50k-100k in EMEA win 14% vs 33% for all others (0.43x, n=212, q<0.001), lower than its region and
 * amount band alone predict (interaction p=0.001, q=0.028 over the 28 pairs tested)." Its key is
 * {@link driverFinding}'s.
 */
export function addsToPartsFinding(
  s: DriverSegment,
  segments: readonly DriverSegment[],
  all: { n: number; won: number },
  scope = '',
  currencies: readonly (string | null)[] = [],
): Finding {
  const p = pairInteractionP(pairEvidence(s, segments, all))
  const qs = pairInteractionQ(segments, all)
  const q = qs.get(s) ?? 1
  const fields = (Object.keys(s.segment) as SegmentField[]).map(segmentFieldWords)
  return {
    ...driverFinding(s, scope, currencies),
    text: `${describeSegment(s, scope, currencies)}, ${s.direction === 'high' ? 'higher' : 'lower'} than its ${fields.join(' and ')} alone predict (interaction ${formatProbability('p', p)}, ${formatProbability('q', q)} over the ${formatCountOf(qs.size, 'pair')} tested).`,
  }
}

/** Evidence of a driver, for ranking: |ln lift| x sqrt(n). */
export function driverEvidence(s: DriverSegment): number {
  return Math.abs(Math.log(s.lift ?? 1)) * Math.sqrt(s.n)
}

/** `Deals of $50k-100k in EMEA`, `Deals owned by rep_07`, `Outbound deals`; the band in `currencies` (see {@link bandWords}). */
function segmentWords(segment: Readonly<Partial<Record<SegmentField, string>>>, currencies: readonly (string | null)[]): string {
  const parts: string[] = []
  const band = segment.amount_band
  let head = 'Deals'
  if (segment.lead_source) head = `${segment.lead_source} deals`
  if (segment.product_type) head = `${segment.product_type} deals`.replace(/^(\w)/, (c) => c.toUpperCase())
  if (band) parts.push(`of ${bandWords(band, currencyMoney(currencies).unit)}`)
  if (segment.industry) parts.push(`in ${segment.industry}`)
  if (segment.region) parts.push(`in ${segment.region}`)
  if (segment.sales_rep_id) parts.push(`owned by ${segment.sales_rep_id}`)
  if (segment.product_type && segment.lead_source) parts.push(`from ${segment.lead_source}`)
  return [head, ...parts].join(' ')
}

// A band in dollars ('$': "$50k-100k"), in the one other currency ("50k-100k EUR"), or, when the
// closed deals mix currencies (null), as bare figures marked as each deal's own currency.
function bandWords(band: string, unit: string | null): string {
  if (unit === '$') {
    if (band === '<10k') return 'under $10k'
    if (band === '100k+') return '$100k or more'
    return `$${band}`
  }
  const code = unit === null ? '' : ` ${unit}`
  const words = band === '<10k' ? `under 10k${code}` : band === '100k+' ? `100k${code} or more` : `${band}${code}`
  return unit === null ? `${words} (in each deal's own currency)` : words
}

/** A segment as one text (`field=value` pairs in field order), for a stable tie-break. */
function segmentKey(segment: Partial<Record<SegmentField, string>>): string {
  return Object.entries(segment)
    .map(([f, v]) => `${f}=${v}`)
    .join('\u0000')
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The two-field counts a report needs to find its nested values ({@link findNestedValues}) beyond
 * the driver pairs it already has: for every pair of fields that each have a significant single
 * value, those values (only a significant value can sit in another, and only in a significant one:
 * only their combinations are looked up). Empty when fewer than two fields have one. Pure.
 */
export function nestingFieldPairs(report: DriversReport): Array<{ fields: [SegmentField, SegmentField]; values: [string[], string[]] }> {
  const significant = (f: SegmentField) =>
    report.segments.flatMap((s) =>
      s.significant && Object.keys(s.segment).length === 1 && s.segment[f] !== undefined ? [s.segment[f] as string] : [],
    )
  const fields = DRIVER_FIELDS.filter((f) => significant(f).length > 0)
  const known = new Set(report.combinations.map(([a, b]) => `${a},${b}`))
  const out: Array<{ fields: [SegmentField, SegmentField]; values: [string[], string[]] }> = []
  for (let i = 0; i < fields.length; i++)
    for (let j = i + 1; j < fields.length; j++) {
      const [a, b] = [fields[i] as SegmentField, fields[j] as SegmentField]
      if (!known.has(`${a},${b}`) && !known.has(`${b},${a}`)) out.push({ fields: [a, b], values: [significant(a), significant(b)] })
    }
  return out
}

/**
 * At most this many closed deals in scope and the report reads the two-field counts
 * {@link nestingFieldPairs} asks for; past it that read (a pass over every closed deal, about 2.5 s
 * at a million, which the rollup cannot answer) is left out and {@link withNestingUnchecked} says so.
 */
export const NESTING_READ_MAX_CLOSED = 250_000

/**
 * `report` when the two-field counts of `pairs` ({@link nestingFieldPairs}) were not read: no
 * value was checked for sitting in a value of another field beyond the driver pairs, so a note
 * among the findings says which fields, that a finding about one of their values may be the
 * other's, and how to have it checked; `nestingUnchecked` names the pairs. Pure.
 */
export function withNestingUnchecked(
  report: DriversReport,
  pairs: ReadonlyArray<{ readonly fields: readonly [SegmentField, SegmentField] }>,
): DriversReport {
  if (pairs.length === 0) return report
  const fields = DRIVER_FIELDS.filter((f) => pairs.some((p) => p.fields.includes(f)))
  // A rep and their region is the case to name, when that pair is among those left unchecked.
  const repInRegion = pairs.some((p) => p.fields.includes('region') && p.fields.includes('sales_rep_id'))
  const may = repInRegion
    ? "A finding about a rep may be their region's (or the reverse)"
    : "A finding about one of their values may be another's"
  const note: Finding = {
    report: 'drivers',
    key: 'drivers_nesting_unchecked',
    significant: false,
    text: `Whether a value of ${inWords([...fields])} sits in a value of another of them and only shares its gap (a rep selling in one region) was not checked: with ${formatCount(report.n)} closed deals that takes a pass over every one of them. ${may}: narrow the report to ${formatCount(NESTING_READ_MAX_CLOSED)} closed deals or fewer (one region, one team) to have it checked.`,
  }
  return { ...report, findings: [...report.findings, note], nestingUnchecked: pairs.map((p) => [p.fields[0], p.fields[1]] as const) }
}

/**
 * The CRO summary's words for drivers it states from a report that left the overlap read out
 * ({@link withNestingUnchecked}): when a stated single value is of a field in `nestingUnchecked`,
 * one sentence after them says that whether it only shares another field's gap was not checked,
 * and how to have it checked; none when every stated value was checked. Key
 * `drivers_nesting_unchecked`, as the report's note. Pure.
 */
export function nestingUncheckedCaveat(report: DriversReport, stated: readonly DriverSegment[]): Finding[] {
  const unchecked = new Set((report.nestingUnchecked ?? []).flat())
  // The stated single values left unchecked, and their fields in the order they are stated.
  const open = stated.filter((s) => Object.keys(s.segment).length === 1 && unchecked.has(Object.keys(s.segment)[0] as SegmentField))
  if (open.length === 0) return []
  const fields = [...new Set(open.map((s) => Object.keys(s.segment)[0] as SegmentField))]
  const one = open.length === 1
  return [
    {
      report: 'drivers',
      key: 'drivers_nesting_unchecked',
      significant: false,
      text: `Whether the ${inWords(fields.map(segmentFieldWords))} above only ${one ? 'shares the gap of a value of another field it sits in, or owes its gap' : 'share the gap of a value of another field they sit in, or owe theirs'} to one sitting in ${one ? 'it' : 'them'} (a rep selling in one region), was not checked: with ${formatCount(report.n)} closed deals that takes a pass over every one of them. Narrow the report to ${formatCount(NESTING_READ_MAX_CLOSED)} closed deals or fewer (one region, one team) to have it checked.`,
    },
  ]
}

/** Items as a sentence lists them: "a", "a and b", "a, b and c". */
function inWords(items: readonly string[]): string {
  return items.length <= 2 ? items.join(' and ') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/**
 * Result types of every win-rate report (issue 3). One object per report: the CLI renders it as
 * text and `--json`, Slack as Block Kit, charts as a vega-lite spec. Fields named in
 * `contract.md` ("JSON shapes") are fixed; the others are extra detail. Rates are fractions
 * (0.31), months are `YYYY-MM`, dates `YYYY-MM-DD` (UTC), amounts are numbers in the deals' currency.
 * A rate over zero deals is `null`, never `NaN`.
 *
 * Each report has a loader taking `(db: Kysely<Database>, query)` (one file each in `src/services/`):
 * `loadWinrateReport`, `loadLossesReport`, `loadFunnelReport`, `loadTimeInStageReport`,
 * `loadDriversReport`, `loadStalledReport`, and `findingsSummary(db, query)` for the CRO summary.
 */

import type { IdleFrom } from '../domain/deal-derived.js'

/** Most months a win-rate report shows (`--months`, `/pulse winrate N`): ten years, beyond which the chart and the table stop being readable. */
export const MAX_WINRATE_MONTHS = 120

/** Stalled deals a report lists by default (largest first); the totals always cover every deal. */
export const DEFAULT_STALLED_LIMIT = 200

/** The segment fields a report can be filtered on and that drivers test (import names). */
export const SEGMENT_FIELDS = ['region', 'industry', 'product_type', 'lead_source', 'sales_rep_id', 'amount_band'] as const

/** One of {@link SEGMENT_FIELDS}. */
export type SegmentField = (typeof SEGMENT_FIELDS)[number]

/**
 * A segment field as a sentence or a chart title names it (`product_type` -> "product"); a field
 * not among {@link SEGMENT_FIELDS} reads with spaces for its underscores.
 * @example segmentFieldWords('lead_source') // 'lead source'
 */
export function segmentFieldWords(field: string): string {
  return SEGMENT_FIELD_WORDS[field as SegmentField] ?? field.replace(/_/g, ' ')
}

const SEGMENT_FIELD_WORDS: Record<SegmentField, string> = {
  region: 'region',
  industry: 'industry',
  product_type: 'product',
  lead_source: 'lead source',
  sales_rep_id: 'rep',
  amount_band: 'amount band',
}

/** Filters: field -> value, all must match (`--where region=EMEA --where amount_band=50k-100k`). */
export type ReportFilters = Readonly<Partial<Record<SegmentField, string>>>

/** Thresholds from configuration (`PULSE_ALERT_AMOUNT`, `PULSE_IDLE_DAYS`, `PULSE_STALE_DAYS`). */
export interface ReportRules {
  readonly alertAmount: number
  readonly idleDays: number
  readonly staleDays: number
}

/** What every report takes. */
export interface ReportQuery {
  /** The report date `YYYY-MM-DD`; the month containing it is partial. */
  readonly asOf: string
  /** Segment filters; empty or absent = every deal. */
  readonly where?: ReportFilters
  /** Only deals owned by these `sales_rep_id`s (roster scoping: a manager's team, a rep's own deals). */
  readonly ownerIds?: readonly string[]
  /** Stage order; default: the stored order (`stages` table), else the configured default. */
  readonly stages?: readonly string[]
  /** Thresholds; default 50,000 / 14 / 30. */
  readonly rules?: ReportRules
  /**
   * The day the app counts as today (`PULSE_AS_OF`, else today in `PULSE_TZ`): a close dated after
   * it is planned, not done. Default: tomorrow in UTC (no time zone is ahead of it).
   */
  readonly today?: string
}

/** `report winrate` query: how many closed months to show (including the partial one). */
export interface WinrateQuery extends ReportQuery {
  /** Months shown, counting the partial month; default 12. The baseline may reach further back. */
  readonly months?: number
}

/** `report stalled` query. */
export interface StalledQuery extends ReportQuery {
  /** At most this many deals listed in `stalled` and `overStageP90` (largest amount first); default 200, 0 = all. */
  readonly limit?: number
  /**
   * Only deals open now, also as of a past day (DMs about stalled deals); by default a past "as of"
   * counts the deals open that day, those closed since included.
   */
  readonly openNow?: boolean
}

/** One plain-language finding, backed by one report. */
export interface Finding {
  /** The report that supports it (`summary`: the summary's own note of the findings it leaves out). */
  readonly report: 'winrate' | 'volume' | 'losses' | 'funnel' | 'drivers' | 'stalled' | 'summary'
  /** A stable key for the kind of finding (for Slack alert de-duplication), e.g. `winrate_low:2024-05`. */
  readonly key: string
  /**
   * True when the sentence states a signal to act on: statistically supported (limits, q-values), or
   * a rule-based count such as stalled deals. False for context and "within the normal range" sentences.
   */
  readonly significant: boolean
  /** The sentence a CRO reads. */
  readonly text: string
}

/** How the control limits were computed. */
export type LimitMethod =
  /** p-bar +/- 3 sqrt(p-bar(1-p-bar)/n): every judged month had n large enough for the normal approximation. */
  | 'binomial'
  /** Exact binomial 0.00135 / 0.99865 quantiles for months with small n (n*p-bar or n*(1-p-bar) < 10); others normal. */
  | 'exact-binomial'
  /** Laney p': sigma widened by the moving-range ratio of the baseline's z-scores (overdispersed data). */
  | 'laney'

/** A run rule that fired: a secondary signal, never by itself an anomaly. */
export interface RunSignal {
  /** `eight_below` | `eight_above` | `two_of_three_low` | `two_of_three_high` */
  readonly rule: 'eight_below' | 'eight_above' | 'two_of_three_low' | 'two_of_three_high'
  /** Human name, e.g. "8 complete months in a row below the centre line". */
  readonly name: string
  /** The months that make up the run (the last one is where it fired). */
  readonly months: readonly string[]
}

/** One closed month of `report winrate`. */
export interface WinrateMonth {
  /** `YYYY-MM` (contract). */
  readonly month: string
  /** Deals won / lost that closed in the month (contract). */
  readonly won: number
  readonly lost: number
  /** won / (won + lost); null when nothing closed (contract). */
  readonly winRate: number | null
  /** Centre line: pooled win rate of the baseline months before this one; null without a baseline (contract). */
  readonly center: number | null
  /** Lower / upper control limits (fractions, clipped to [0, 1]); null without a baseline or with n = 0 (contract). */
  readonly lcl: number | null
  readonly ucl: number | null
  /** True for the month containing `asOf`: shown, never judged (contract). */
  readonly partial: boolean
  /** `low` / `high` when outside the limits; always null for the partial month (contract). */
  readonly anomaly: 'low' | 'high' | null
  /** won + lost */
  readonly n: number
  /** How this month's limits were computed (null when none). */
  readonly limitMethod: LimitMethod | null
  /** The baseline months (`YYYY-MM`, complete, before this month) the centre came from. */
  readonly baselineFrom: string | null
  readonly baselineTo: string | null
  /** Deals closed in the baseline window. */
  readonly baselineN: number
  /** Standardised distance from the centre (Laney-adjusted when that method is used); null without limits. */
  readonly z: number | null
  /** Names of run rules that fired ending at this month (secondary signals). */
  readonly runRules: readonly string[]
  /** Amount won / lost in the month. */
  readonly wonAmount: number
  readonly lostAmount: number
  /** Pipeline volume: deals created in the month, their total amount. */
  readonly created: number
  readonly createdAmount: number
  /** Open pipeline at the end of the month (or at `asOf` for the partial month): deals created by then and not yet closed. */
  readonly openAtEnd: number
  readonly openAmountAtEnd: number
}

/** `report winrate`: monthly win rate with p-chart limits, and pipeline volume next to it. */
export interface WinrateReport {
  readonly asOf: string
  readonly where: ReportFilters
  /** Oldest first, ending with the partial month (contract). */
  readonly months: readonly WinrateMonth[]
  /** The method used for the judged months overall (the widest one any month needed). */
  readonly limitMethod: LimitMethod
  /** One sentence saying which limits were used and why. */
  readonly limitNote: string
  /**
   * Set when fewer months are shown than asked for because the data starts later: the months
   * before the first one with a deal created or closed are left out, and this sentence says so.
   */
  readonly monthsNote?: string
  /** Laney's sigma_z of the baseline (1 = plain binomial); null with fewer than 3 baseline months. */
  readonly overdispersion: number | null
  /** Maximum baseline window in complete months before the judged month. */
  readonly baselineMonths: number
  /** Run rules that fired in the shown months. */
  readonly runSignals: readonly RunSignal[]
  /** Open pipeline on "as of": deals created by then and not closed by then (some may have closed since). */
  readonly openPipeline: { readonly count: number; readonly amount: number }
  /** The currencies of the deals in scope as upper-case codes (null: not stated): the amounts add up without conversion. */
  readonly currencies?: readonly (string | null)[]
  readonly findings: readonly Finding[]
}

/** One stage of `report losses`. */
export interface LossStage {
  /** The stage lost at (contract). */
  readonly stage: string
  /** Lost deals and their amount (contract). */
  readonly lost: number
  readonly lostAmount: number
  /** lost / all lost deals (contract). */
  readonly share: number
  /** lostAmount / all lost amount; null when every lost deal was worth $0 (no share to take). */
  readonly amountShare: number | null
  /** Days spent on these deals, created to closed: total and mean. */
  readonly daysSpent: number
  readonly meanDaysSpent: number | null
  /** True for the last two open stages. */
  readonly lateStage: boolean
  /**
   * False when the stage is not one of the open stages (a CSV export that writes `Closed` as a
   * lost deal's stage): where those deals were really lost is not recorded.
   */
  readonly openStage: boolean
}

/** `report losses`: lost deals by the stage they were lost at. */
export interface LossesReport {
  readonly asOf: string
  readonly where: ReportFilters
  /** Largest `lost` first (contract). */
  readonly stages: readonly LossStage[]
  readonly totalLost: number
  readonly totalLostAmount: number
  /** The currencies of the lost deals as upper-case codes (null: not stated), each once: the amounts add up without conversion. */
  readonly lostCurrencies?: readonly (string | null)[]
  /** The open stages in stage order (the configured or CRM pipeline order), for drawing them top to bottom. */
  readonly openStages: readonly string[]
  /** The last two open stages of the stage order. */
  readonly lateStages: readonly string[]
  /**
   * Share of lost deals / of lost amount lost at a late stage, counted over the lost deals whose
   * stage is an open stage (where the others were lost is not recorded); null with none of those.
   */
  readonly lateStageShare: number | null
  readonly lateStageAmountShare: number | null
  readonly findings: readonly Finding[]
}

/** Where a funnel or time-in-stage figure came from. */
export type StageSource = 'stage_history' | 'stage_at_close'

/** One stage of `report funnel`. */
export interface FunnelStage {
  /** Stage name (contract), in stage order. */
  readonly stage: string
  /** Deals that reached the stage / went past it (contract). */
  readonly reached: number
  readonly advanced: number
  /** advanced / reached; null when nothing reached it (contract). */
  readonly conversion: number | null
  /** Deals lost at this stage, and lost / reached (the stage's leakage). */
  readonly lost: number
  readonly leakage: number | null
  /** Open deals still in this stage (neither advanced nor lost yet). */
  readonly open: number
  /** advanced / (advanced + lost): conversion among deals that are decided. */
  readonly decidedConversion: number | null
}

/** `report funnel`: stage conversion and leakage. */
export interface FunnelReport {
  readonly asOf: string
  readonly where: ReportFilters
  /** The open stages in order, then the won stage (contract). */
  readonly stages: readonly FunnelStage[]
  /** Whether the stage order names the won stage, the last row; false: it names none, and the row is `Won` (absent: true). */
  readonly wonStageInOrder?: boolean
  /** `stage_history` when any deal in scope has one, else `stage_at_close` (a deal's current/lost-at stage). */
  readonly source: StageSource
  readonly sourceNote: string
  /** The open stage with the highest leakage; null when nothing was lost. */
  readonly topLeak: string | null
  /** Lost or open deals naming a stage outside the open stages, left out of the counts (absent: 0). */
  readonly unplaced?: number
  readonly findings: readonly Finding[]
}

/** One stage of the time-in-stage report (Kaplan-Meier over stays; open stays censored). */
export interface StageTime {
  readonly stage: string
  /** Stays counted; completed ones (left the stage) and censored ones (still in it as of). */
  readonly stays: number
  readonly completed: number
  readonly censored: number
  /** Kaplan-Meier percentiles of days in stage; null when the curve never gets that low. */
  readonly median: number | null
  readonly p75: number | null
  readonly p90: number | null
}

/** `report funnel` companion: days in each stage. */
export interface TimeInStageReport {
  readonly asOf: string
  readonly where: ReportFilters
  readonly stages: readonly StageTime[]
  /** `stage_history` when present, else stays derived from `stage_entered_date` / created and closed dates. */
  readonly source: StageSource
  readonly sourceNote: string
}

/** One tested segment of `report drivers`. */
export interface DriverSegment {
  /** field -> value with import names (contract). */
  readonly segment: Readonly<Partial<Record<SegmentField, string>>>
  /** Closed deals in the segment, won ones, win rate (contract). */
  readonly n: number
  readonly won: number
  readonly winRate: number
  /** winRate / win rate of all other closed deals; null when the others' rate is 0 (contract). */
  readonly lift: number | null
  /** 95% Wilson interval of winRate (contract). */
  readonly ciLow: number
  readonly ciHigh: number
  /** Two-sided p of segment vs all others, BH q across every segment tested (contract). */
  readonly pValue: number
  readonly qValue: number
  /** qValue < 0.05 and n >= minN (contract). */
  readonly significant: boolean
  /** "EMEA x 50k-100k" */
  readonly label: string
  /** All other closed deals. */
  readonly othersN: number
  readonly othersWon: number
  readonly othersWinRate: number | null
  /** `fisher` (exact) for small expected counts, else `z` (two-proportion, pooled). */
  readonly test: 'fisher' | 'z'
  /** `low` / `high` when significant, else null. */
  readonly direction: 'low' | 'high' | null
}

/** `report drivers`: segment win rates with confidence and multiple-testing correction. */
export interface DriversReport {
  readonly asOf: string
  readonly where: ReportFilters
  /** Win rate of every closed deal in scope (contract). */
  readonly overallWinRate: number | null
  readonly n: number
  readonly won: number
  /** Segments with n below this are shown, never called significant. */
  readonly minN: number
  /** Segments tested (the BH family size). */
  readonly tested: number
  /** Significant first (smallest q), then by n descending (contract). */
  readonly segments: readonly DriverSegment[]
  /** The two-field combinations tested, e.g. [['region','amount_band'], ...]. */
  readonly combinations: readonly (readonly [SegmentField, SegmentField])[]
  readonly findings: readonly Finding[]
  /**
   * The currencies of the closed deals in scope (as stored, each once; null: not stated): the
   * findings write amount bands in their one currency, or mark them as each deal's own. Absent: dollars.
   */
  readonly closedCurrencies?: readonly (string | null)[]
  /**
   * Values of one field that differ only in case or surrounding spaces (`EMEA`, `emea`), as the
   * deals spell them: each is its own segment, while a filter on any of them takes them all.
   */
  readonly caseVariants?: ReadonlyArray<{ readonly field: SegmentField; readonly values: readonly string[] }>
  /**
   * Significant single values that sit (almost) wholly inside a significant value of another field
   * (a rep in one region): {@link NestedValue}. Empty when no such value, or when the store was
   * not asked how the fields' values overlap.
   */
  readonly nested?: readonly NestedValue[]
  /**
   * The field pairs whose overlap was not read, on a scope of more closed deals than the report
   * reads it for (`NESTING_READ_MAX_CLOSED`): values of them were not checked for sitting in one
   * another, and a note among the findings says so. Absent when checked.
   */
  readonly nestingUnchecked?: readonly (readonly [SegmentField, SegmentField])[]
}

/**
 * A single value (`segment`, a rep) with at least 95% of its closed deals inside one value of
 * another field (`within`, its region): `n` and `won` count its closed deals inside it.
 */
export interface NestedValue {
  readonly segment: Readonly<Partial<Record<SegmentField, string>>>
  readonly within: Readonly<Partial<Record<SegmentField, string>>>
  readonly n: number
  readonly won: number
}

/** A stalled (or over-p90) open deal. */
export interface StalledDeal {
  /** (contract) */
  readonly dealId: string
  readonly ownerEmail: string | null
  readonly amount: number
  readonly stage: string
  readonly daysIdle: number
  /**
   * Extra detail. `idleFrom`: the date `daysIdle` runs from, `activity` (the last recorded activity)
   * or, with none recorded, a stand-in: `update` (last record update), `stage` (stage entry), `created`.
   */
  readonly idleFrom: IdleFrom
  readonly ownerId: string
  readonly dealName: string | null
  readonly daysInStage: number
  /**
   * The stage's p90 of days in stage (Kaplan-Meier), when known from enough completed stays
   * (`StalledReport.stageP90MinCompleted`); null otherwise.
   */
  readonly stageP90: number | null
  /**
   * Set for a deal open on a past "as of" that has closed since: how it closed (its `stage` and
   * `daysInStage` are those of that day). When neither its stage history nor an open stage it was
   * lost at says where it was that day (won since, or lost at a closed stage, with no history),
   * its `stage` is {@link STAGE_NOT_KNOWN} and `daysInStage` runs from its creation (or stage entry).
   */
  readonly outcomeNow?: 'won' | 'lost'
  /** With `outcomeNow`: the deal's close date (after "as of"). */
  readonly closedDate?: string
  /**
   * With `outcomeNow`: true when the close date is after the newest record of the store (no deal
   * created, updated or active later): a close a CRM dates ahead, planned rather than happened.
   */
  readonly closePlanned?: boolean
  /** The deal's currency as the CRM or CSV gave it (null: not stated, shown as dollars). */
  readonly currency?: string | null
}

/** `report stalled`: stalled and stale open deals. */
export interface StalledReport {
  readonly asOf: string
  readonly where: ReportFilters
  readonly rules: ReportRules
  /** Open, amount >= alert amount, idle >= idle days; largest amount first (contract). Limited by the query's `limit`. */
  readonly stalled: readonly StalledDeal[]
  /** Totals over every stalled deal (not just the listed ones). */
  readonly stalledCount: number
  readonly stalledAmount: number
  /** How many stalled deals have no recorded activity date: their days idle run from a stand-in (`idleFrom`). */
  readonly stalledWithoutActivityDate: number
  /**
   * The currencies of all stalled deals, each once as an upper-case code (null: not stated), codes
   * first in order: `stalledAmount` adds the amounts up as they are, without conversion.
   */
  readonly stalledCurrencies?: readonly (string | null)[]
  /** Flagged separately: open, amount >= alert amount, in their stage longer than that stage's p90, and not already stalled. */
  readonly overStageP90: readonly StalledDeal[]
  readonly overStageP90Count: number
  readonly overStageP90Amount: number
  /** The currencies of all deals past their stage's p90, as `stalledCurrencies`. */
  readonly overStageP90Currencies?: readonly (string | null)[]
  /** Completed stays a stage needs before its p90 may flag a deal. */
  readonly stageP90MinCompleted: number
  /** Open stages whose p90 flags no deal (too few completed stays, or none); empty when stage times were not computed. */
  readonly stagesWithoutP90: readonly string[]
  /**
   * Stale open deals ("zombie pipeline"): count and amount (contract); `withoutTouchDate` = how many of
   * them have neither an activity nor an update date (their gap runs from stage entry or creation);
   * `closedCount` = stale closed deals.
   */
  readonly stale: {
    readonly count: number
    readonly amount: number
    readonly withoutTouchDate: number
    readonly closedCount: number
  }
  readonly openCount: number
  readonly openAmount: number
  /** The currencies of the open deals (`openCount`), as `stalledCurrencies`. */
  readonly openCurrencies?: readonly (string | null)[]
  /** The currencies of the stale open deals (`stale`), as `stalledCurrencies`. */
  readonly staleCurrencies?: readonly (string | null)[]
  /**
   * Deals open on "as of" that have closed since ("as of" in the past): left out, since the store
   * keeps only each deal's latest activity. 0 for "as of" today.
   */
  readonly closedSince: number
  /**
   * Of `closedSince`, the deals whose close date is after the newest record of the store
   * (`newestRecord`: the latest creation, update or activity date): planned closes, not ones that
   * happened. 0 and null for "as of" today with no close dated ahead.
   */
  readonly plannedCloses: { readonly count: number; readonly newestRecord: string | null }
  /**
   * Open deals (in `openCount`) with no activity recorded by "as of" (their latest activity is
   * later, "as of" in the past): left out of the stalled and stale figures, since whether they
   * were idle that day cannot be told. Count and amount; 0 for "as of" today.
   */
  readonly noActivityByAsOf: { readonly count: number; readonly amount: number }
  /** The currencies of the deals `noActivityByAsOf` counts, as `stalledCurrencies`. */
  readonly noActivityByAsOfCurrencies?: readonly (string | null)[]
  readonly findings: readonly Finding[]
}

/** The CRO's first read: a handful of sentences, each backed by a report. */
export interface FindingsSummary {
  readonly asOf: string
  readonly where: ReportFilters
  /** Significant findings first, then "within normal range" sentences. */
  readonly findings: readonly Finding[]
  /** `findings` texts, in order. */
  readonly sentences: readonly string[]
}

/**
 * The `stage` of a listed deal open on a past "as of" whose stage that day is not known: won since
 * (a won deal's `deal_stage` may be any stage) or lost at a stage that is not an open one, with no
 * stage history to say where it was then.
 */
export const STAGE_NOT_KNOWN = 'Unknown'

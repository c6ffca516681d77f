import { formatCount, formatScoresApart, formatWholePercent } from '../analytics/format-figures.js'
import type { ScoringDeal } from '../db/model-deal.js'
import { daysIdle, daysInCurrentStage, idleFromOf, lastActivityOf } from '../domain/deal-derived.js'
import { type IdleSince, idleReason, segmentLabelIn, stageReason } from './deal-reasons.js'
import { type HealthBreakdown, healthScore } from './health-score.js'
import type { OwnerWinHistory } from './owner-win-history.js'
import { type SegmentRate, segmentRateFor } from './segment-base-rates.js'
import type { StageNorm } from './stage-norms.js'
import { FEATURE_WORDS, type LeafPrediction, oneOutcome, SUSPICIOUS_AUC, type WinRateDriverEngine } from './win-rate-driver-engine.js'

/** What scoring needs besides the model: the moment, the idle limit and owners' track records. */
export interface ScoringContext {
  asOf: string
  /** `PULSE_IDLE_DAYS`. */
  idleDays: number
  owners: OwnerWinHistory
  /** Stage norms to use instead of the model's own (tests). */
  stageNorms?: ReadonlyMap<string, StageNorm>
}

/** One open deal's score (contract `score` element, plus where the probability came from). */
export interface DealScore {
  dealId: string
  /** The model's calibrated probability, or the segment base rate when `basis` is `segment`. */
  winProbability: number
  /** 0-100 (docs/model.md "Health score"). */
  healthScore: number
  /** Plain words with evidence, the most important first; never empty. */
  reasons: string[]
  basis: 'model' | 'segment'
  health: HealthBreakdown
  daysIdle: number | null
  daysInStage: number | null
}

/**
 * Scores open deals as of `context.asOf`: probability (or segment base rate when the model is not
 * informative), health score, and reasons taken from the tree path and the stall factors.
 * Closed deals and deals created after `context.asOf` (they did not exist yet) are skipped, as
 * the reports' scope leaves them out. Pure.
 */
export function scoreDeals(engine: WinRateDriverEngine, deals: readonly ScoringDeal[], context: ScoringContext): DealScore[] {
  // An amount suspected of being filled in at close does not choose the segment shown instead.
  const leak = engine.evaluation.leakSuspect?.feature
  const byAmount = leak !== 'amount' && leak !== 'region_amount_band'
  const words = new ReasonWords(engine.informative ? null : notInformativeReason(engine), context.idleDays, byAmount)
  const norms = context.stageNorms ?? engine.stageNorms
  const days = new DayCounts(context.asOf)
  const out: DealScore[] = []
  for (const deal of deals) {
    if (deal.outcome !== 'open' || deal.created_date > context.asOf) continue
    out.push(scoreOne(engine, deal, context, norms, words, days))
  }
  return out
}

// Open deals share a few thousand distinct dates: each day count is computed once per date
// (with the domain's own functions), not twice per deal. For an open deal, days idle depend only
// on its last activity date and days in stage only on the date it entered the stage (or was created).
class DayCounts {
  private readonly idleByDate = new Map<string, number | null>()
  private readonly inStageByDate = new Map<string, number | null>()

  constructor(private readonly asOf: string) {}

  idle(deal: ScoringDeal): number | null {
    const key = lastActivityOf(deal)
    let value = this.idleByDate.get(key)
    if (value === undefined) {
      value = daysIdle(deal, this.asOf)
      this.idleByDate.set(key, value)
    }
    return value
  }

  inStage(deal: ScoringDeal): number | null {
    const key = deal.stage_entered_date ?? deal.created_date
    let value = this.inStageByDate.get(key)
    if (value === undefined) {
      value = daysInCurrentStage(deal, this.asOf)
      this.inStageByDate.set(key, value)
    }
    return value
  }
}

// A deal whose days idle as of `asOf` are not known: the date they would run from is after it.
function unknownIdleReason(deal: ScoringDeal, from: string, asOf: string): string {
  const start = `Days idle on ${asOf} not known`
  switch (idleFromOf(deal)) {
    case 'activity':
      return `${start}: the last recorded activity is from ${from}`
    case 'update':
      return `${start}: no activity recorded, and the record was last updated on ${from}`
    case 'stage':
      return `${start}: no activity recorded, and it entered ${deal.stage} on ${from}`
    case 'created':
      return `${start}: no activity recorded, and it was created on ${from}`
  }
}

/** The reason that opens every score of a model that is not informative. */
export function notInformativeReason(engine: WinRateDriverEngine): string {
  const e = engine.evaluation
  if (e.nTest > 0 && (e.testWinRate === 0 || e.testWinRate === 1))
    return `Not a prediction: ${oneOutcome(e.nTest, e.testWinRate)}, so the model could not be tested; this is the win rate of similar past deals`
  // Models stored before the leak check have no leakSuspect field.
  if (e.leakSuspect) {
    const words = FEATURE_WORDS[e.leakSuspect.feature]
    // Only a test AUC at the threshold is too good to be true; otherwise the input alone gave it away.
    if (e.auc < SUSPICIOUS_AUC)
      return `Not a prediction: ${words} alone separates the newest closed deals almost perfectly (AUC ${e.leakSuspect.auc.toFixed(2)}; the model's ${e.auc.toFixed(2)}), so that field is probably filled in at close; this is the win rate of similar past deals`
    return `Not a prediction: the model's test on the newest closed deals was too good to be true (AUC ${e.auc.toFixed(2)}; ${words} alone ${e.leakSuspect.auc.toFixed(2)}), so that field is probably filled in at close; this is the win rate of similar past deals`
  }
  // The Brier score is named when it is the test that failed.
  const scores = formatScoresApart(e.brier, e.baselineBrier)
  const brier = e.brier >= e.baselineBrier ? `; Brier ${scores[0]} vs ${scores[1]} for the base rate` : ''
  return `Not a prediction: the model did not beat the base rate on the newest closed deals (AUC ${e.auc.toFixed(2)}, 95% CI ${e.aucLow.toFixed(2)}-${e.aucHigh.toFixed(2)}${brier}), so this is the win rate of similar past deals`
}

// Many deals share a leaf, a segment, a number of idle days or of days in a stage: each sentence is built once.
class ReasonWords {
  private readonly byLeaf = new Map<number, string>()
  private readonly bySegment = new Map<string, string>()
  private readonly byIdle = new Map<string, string | null>()
  private readonly byStage = new Map<string, Map<number | null, string | null>>()

  constructor(
    readonly notice: string | null,
    private readonly idleDays: number,
    /** Whether segment rates may use the amount band. */
    readonly byAmount: boolean,
  ) {}

  leaf(leaf: LeafPrediction): string {
    const words = () =>
      `${leaf.description}: similar deals won ${formatWholePercent(leaf.n === 0 ? 0 : leaf.won / leaf.n)} (n=${formatCount(leaf.n)})`
    // A deal with a segment value never seen in training, or a new owner, has words of its own.
    if (leaf.ownDescription) return words()
    let text = this.byLeaf.get(leaf.leaf)
    if (text === undefined) {
      text = words()
      this.byLeaf.set(leaf.leaf, text)
    }
    return text
  }

  /** `currencies`: those the segment's amounts span, its amount band written in them (see `segmentLabelIn`). */
  segment(segment: SegmentRate, currencies: readonly (string | null)[]): string {
    const key = `${segment.label}\u0000${currencies.join(',')}`
    let text = this.bySegment.get(key)
    if (text === undefined) {
      text = `${segmentLabelIn(segment.label, currencies)}: similar deals won ${formatWholePercent(segment.rate)} (n=${formatCount(segment.n)})`
      this.bySegment.set(key, text)
    }
    return text
  }

  idle(days: number | null, deal: ScoringDeal): string | null {
    // Which date lastActivityOf counted from decides the words (its order: activity, update, stage entry, creation).
    const from = idleFromOf(deal)
    // A last activity from before the deal was created: the days run from its creation (lastActivityOf).
    const beforeCreated = deal.last_activity_date !== null && deal.last_activity_date < deal.created_date
    const since: IdleSince = beforeCreated
      ? { kind: 'activityBeforeCreated' }
      : from === 'stage'
        ? { kind: 'stage', stage: deal.stage }
        : { kind: from }
    const key = `${since.kind === 'stage' ? `stage:${since.stage}` : since.kind}|${days}`
    let text = this.byIdle.get(key)
    if (text === undefined) {
      text = idleReason(days, this.idleDays, since)
      this.byIdle.set(key, text)
    }
    return text
  }

  stage(stage: string, days: number | null, norm: StageNorm | undefined, since: 'stage' | 'created'): string | null {
    // The stage entry's own days and those counted from creation have different words.
    const key = `${since}|${stage}`
    let byDays = this.byStage.get(key)
    if (!byDays) {
      byDays = new Map()
      this.byStage.set(key, byDays)
    }
    let text = byDays.get(days)
    if (text === undefined) {
      text = stageReason(stage, days, norm, since)
      byDays.set(days, text)
    }
    return text
  }
}

function scoreOne(
  engine: WinRateDriverEngine,
  deal: ScoringDeal,
  context: ScoringContext,
  norms: ReadonlyMap<string, StageNorm>,
  words: ReasonWords,
  days: DayCounts,
): DealScore {
  const reasons: string[] = []
  let p: number
  if (words.notice === null) {
    const leaf = engine.predict(deal, context.owners)
    p = leaf.probability
    reasons.push(words.leaf(leaf))
  } else {
    const segment = segmentRateFor(engine.segmentRates, deal, { byAmount: words.byAmount })
    p = segment.rate
    reasons.push(words.notice, words.segment(segment, engine.amountCurrencies(deal)))
  }
  // As of a day before the deal's latest activity (or its stage entry), the store cannot tell how
  // long it was idle (or in which stage it was) then: that part is left out, and said.
  const idleFrom = lastActivityOf(deal)
  const entered = deal.stage_entered_date ?? deal.created_date
  const idle = idleFrom > context.asOf ? null : days.idle(deal)
  const inStage = entered > context.asOf ? null : days.inStage(deal)
  const norm = norms.get(deal.stage)
  const health = healthScore({ winProbability: p, daysIdle: idle, daysInStage: inStage, norm, idleDays: context.idleDays })
  const idleText = idle === null ? unknownIdleReason(deal, idleFrom, context.asOf) : words.idle(idle, deal)
  const stageText =
    inStage === null
      ? `Stage on ${context.asOf} not known: it entered ${deal.stage} on ${entered}, after that day`
      : words.stage(deal.stage, inStage, norm, deal.stage_entered_date === null ? 'created' : 'stage')
  // The stall factor that costs more health comes first.
  const idleCost = health.activity === null ? 0 : 1 - health.activity
  const stageCost = health.pace === null ? 0 : 1 - health.pace
  const ordered = stageCost > idleCost ? [stageText, idleText] : [idleText, stageText]
  for (const text of ordered) if (text !== null) reasons.push(text)
  return {
    dealId: deal.deal_id,
    winProbability: p,
    healthScore: health.score,
    reasons,
    basis: words.notice === null ? 'model' : 'segment',
    health,
    daysIdle: idle,
    daysInStage: inStage,
  }
}

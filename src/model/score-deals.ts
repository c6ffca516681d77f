import { daysIdle, daysInCurrentStage } from '../domain/deal-derived.js'
import { idleReason, percent, stageReason } from './deal-reasons.js'
import { type HealthBreakdown, healthScore } from './health-score.js'
import type { ScoringDeal } from './model-deal.js'
import type { OwnerWinHistory } from './owner-win-history.js'
import { segmentRateFor } from './segment-base-rates.js'
import type { StageNorm } from './stage-norms.js'
import type { WinRateDriverEngine } from './win-rate-driver-engine.js'

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
 * Closed deals in `deals` are skipped. Pure.
 */
export function scoreDeals(engine: WinRateDriverEngine, deals: readonly ScoringDeal[], context: ScoringContext): DealScore[] {
  const notice = engine.informative ? null : notInformativeReason(engine)
  const out: DealScore[] = []
  for (const deal of deals) {
    if (deal.outcome !== 'open') continue
    out.push(scoreOne(engine, deal, context, notice))
  }
  return out
}

/** The reason that opens every score of a model that is not informative. */
export function notInformativeReason(engine: WinRateDriverEngine): string {
  const e = engine.evaluation
  return `Not a prediction: the model did not beat the base rate on the newest closed deals (AUC ${e.auc.toFixed(2)}, 95% CI ${e.aucLow.toFixed(2)}-${e.aucHigh.toFixed(2)}), so this is the win rate of similar past deals`
}

function scoreOne(engine: WinRateDriverEngine, deal: ScoringDeal, context: ScoringContext, notice: string | null): DealScore {
  const reasons: string[] = []
  let p: number
  if (notice === null) {
    const leaf = engine.predict(deal, context.owners)
    p = leaf.probability
    reasons.push(`${leaf.description}: similar deals won ${percent(leaf.n === 0 ? 0 : leaf.won / leaf.n)} (n=${leaf.n})`)
  } else {
    const segment = segmentRateFor(engine.segmentRates, deal)
    p = segment.rate
    reasons.push(notice, `${segment.label}: similar deals won ${percent(segment.rate)} (n=${segment.n})`)
  }
  const idle = daysIdle(deal, context.asOf)
  const inStage = daysInCurrentStage(deal, context.asOf)
  const norm = (context.stageNorms ?? engine.stageNorms).get(deal.stage)
  const health = healthScore({ winProbability: p, daysIdle: idle, daysInStage: inStage, norm, idleDays: context.idleDays })
  const stall = [
    { text: idleReason(idle, context.idleDays), weight: 1 - health.activity },
    { text: stageReason(deal.stage, inStage, norm), weight: health.pace === null ? 0 : 1 - health.pace },
  ]
    .filter((r): r is { text: string; weight: number } => r.text !== null)
    .sort((a, b) => b.weight - a.weight)
  for (const r of stall) reasons.push(r.text)
  return {
    dealId: deal.deal_id,
    winProbability: p,
    healthScore: health.score,
    reasons,
    basis: notice === null ? 'model' : 'segment',
    health,
    daysIdle: idle,
    daysInStage: inStage,
  }
}

import type { DealScope } from '../db/deal-scope.js'
import { type StageDefinition, stagesFromNames } from '../db/save-stage-order.js'
import { DEFAULT_STAGES } from '../domain/default-stages.js'
import type { ReportQuery, ReportRules } from './report-types.js'

/** Default thresholds (contract "Environment"). */
export const DEFAULT_RULES: ReportRules = Object.freeze({ alertAmount: 50_000, idleDays: 14, staleDays: 30 })

/** What every report needs besides its data: the stage order split into open stages and the won stage, thresholds, scope. */
export interface ReportContext {
  /** Open stages in order (where deals sit and are lost). */
  openStages: string[]
  /** The stage won deals end in (the last closed-won stage, else the last stage). */
  wonStage: string
  /** The last two open stages. */
  lateStages: string[]
  rules: ReportRules
  scope: DealScope
}

/**
 * Resolves a query against the stored stage order (`stored`, possibly empty): an explicit
 * `query.stages` wins, then the stored order, then the default stages.
 */
export function reportContext(query: ReportQuery, stored: readonly StageDefinition[]): ReportContext {
  const defs = query.stages ? stagesFromNames(query.stages) : stored.length > 0 ? stored : stagesFromNames(DEFAULT_STAGES)
  const openStages = defs.filter((s) => !s.isClosed).map((s) => s.name)
  const wonStage = [...defs].reverse().find((s) => s.isWon)?.name ?? defs[defs.length - 1]?.name ?? 'Closed'
  return {
    openStages,
    wonStage,
    lateStages: openStages.slice(-2),
    rules: query.rules ?? DEFAULT_RULES,
    scope: { asOf: query.asOf, where: query.where ?? {}, ...(query.ownerIds ? { ownerIds: query.ownerIds } : {}) },
  }
}

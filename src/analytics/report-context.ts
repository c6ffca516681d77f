import type { DealScope } from '../db/deal-scope.js'
import { DEFAULT_STAGES } from '../domain/default-stages.js'
import { isLostStageName, isWonStageName, type StageDefinition, stagesFromNames } from '../domain/stages-from-names.js'
import type { ReportQuery, ReportRules } from './report-types.js'

/** Default thresholds (contract "Environment"). */
export const DEFAULT_RULES: ReportRules = Object.freeze({ alertAmount: 50_000, idleDays: 14, staleDays: 30 })

/** What every report needs besides its data: the stage order split into open stages and the won stage, thresholds, scope. */
export interface ReportContext {
  /** Open stages in order (where deals sit and are lost). */
  openStages: string[]
  /** The stage won deals end in: the order's won stage, else `Won` (see {@link reportContext}). */
  wonStage: string
  /** Whether the stage order names {@link wonStage}; false when it names no won stage. */
  wonStageInOrder: boolean
  /** The last two open stages. */
  lateStages: string[]
  rules: ReportRules
  scope: DealScope
}

/**
 * Resolves a query against the stored stage order (`stored`, possibly empty): an explicit
 * `query.stages` wins, then the stored order, then the default stages. The won stage is the last
 * one flagged won, else a last stage named like one (`Won`, `Closed Won`); it is never also an
 * open stage, and neither is a stage named `Lost` / `Closed Lost`. An order that names no won
 * stage (`Lead, Qualified, Demo`) gets `Won` as the funnel's end (`Closed Won` when an open stage is
 * called `Won`), never `Closed`, which would read as won and lost deals alike.
 */
export function reportContext(query: ReportQuery, stored: readonly StageDefinition[]): ReportContext {
  const defs = query.stages ? stagesFromNames(query.stages) : stored.length > 0 ? stored : stagesFromNames(DEFAULT_STAGES)
  const last = defs[defs.length - 1]
  const won = [...defs].reverse().find((s) => s.isWon) ?? (last && isWonStageName(last.name) ? last : undefined)
  const openStages = defs.filter((s) => !s.isClosed && s !== won && !isLostStageName(s.name)).map((s) => s.name)
  const wonStage = won?.name ?? (openStages.some((s) => s.toLowerCase() === 'won') ? 'Closed Won' : 'Won')
  return {
    openStages,
    wonStage,
    wonStageInOrder: won !== undefined,
    // The last two open stages; with one or two open stages every loss would be "late": none is.
    lateStages: openStages.length >= 3 ? openStages.slice(-2) : [],
    rules: query.rules ?? DEFAULT_RULES,
    scope: { asOf: query.asOf, where: query.where ?? {}, ...(query.ownerIds ? { ownerIds: query.ownerIds } : {}) },
  }
}

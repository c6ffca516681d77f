import { kaplanMeierPercentiles } from '../analytics/kaplan-meier-percentiles.js'
import type { StageDurationCount } from '../db/model-deal.js'
import { isLostStageName, isWonStageName } from '../domain/stages-from-names.js'

/** How long won deals stayed in a stage before moving on: median and 90th percentile in days. */
export interface StageNorm {
  median: number
  p90: number
  /** Won deals the norm is based on. */
  n: number
}

/** Stages need this many won deals' stays before their norm is used. */
export const MIN_STAGE_NORM_DEALS = 20

/**
 * Norms per stage from the stays of won deals (every one of them left each open stage, so no stay
 * is censored; the percentiles are the analytics' Kaplan-Meier ones, which equal the plain
 * empirical percentiles here). Stages with fewer than {@link MIN_STAGE_NORM_DEALS} stays get none,
 * and so do closed stages: `closedStages` (the stage order's closed ones) and any stage named as a
 * pipeline's end (`Closed`, `Closed Won`, `Lost`): a won deal's stay there starts at its close, so
 * "won deals leave it within 0 days" would mark down an open deal an export left in that stage.
 * @example stageNormsFrom(rows, ['Signed']) // no norm for Signed or Closed Won, whatever the rows say
 */
export function stageNormsFrom(rows: readonly StageDurationCount[], closedStages: readonly string[] = []): Map<string, StageNorm> {
  const closed = new Set(closedStages)
  const byStage = new Map<string, StageDurationCount[]>()
  for (const r of rows) {
    if (closed.has(r.stage) || isEndStageName(r.stage)) continue
    const list = byStage.get(r.stage) ?? []
    list.push(r)
    byStage.set(r.stage, list)
  }
  const norms = new Map<string, StageNorm>()
  for (const [stage, list] of byStage) {
    const km = kaplanMeierPercentiles(list.map((r) => ({ days: Math.max(0, Number(r.days)), events: Number(r.deals), censored: 0 })))
    if (km.completed < MIN_STAGE_NORM_DEALS || km.median === null || km.p90 === null) continue
    norms.set(stage, { median: km.median, p90: km.p90, n: km.completed })
  }
  return norms
}

/**
 * Whether a stage is named as a pipeline's end (`Closed`, `Closed Won`, `Lost`): no norm is kept
 * for it, and one a model stored before that rule is not used.
 */
export function isEndStageName(stage: string): boolean {
  return isWonStageName(stage) || isLostStageName(stage)
}

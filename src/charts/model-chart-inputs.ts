/**
 * Inputs of the model charts, kept minimal so the model code can fill them from its own
 * evaluation without the charts depending on its internals.
 */

/** One calibration bin: deals whose predicted win probability fell in the bin. */
export interface ReliabilityBin {
  /** Mean predicted probability in the bin (0-1). */
  readonly predicted: number
  /** Observed win rate of those deals (0-1). */
  readonly observed: number
  /** Deals in the bin. */
  readonly n: number
}

/** Input of the reliability diagram: calibration bins from the held-out (newer) test deals. */
export interface ReliabilityInput {
  readonly bins: readonly ReliabilityBin[]
  /** False when the model does not beat its baseline: the chart then says so in its title. */
  readonly informative?: boolean
  /**
   * Set when the probabilities shown for open deals were shifted toward the newest deals' win rate
   * (the model's `recentShift`): the bins measure the tree before that correction, and the chart says so.
   */
  readonly shifted?: 'lowered' | 'raised'
}

/** Input of the health-score distribution: one 0-100 score per open deal. */
export interface HealthScoreInput {
  readonly scores: readonly number[]
  /** False when the model does not beat its baseline: the chart says scores are not predictions. */
  readonly informative?: boolean
}

/**
 * Reliability input from the model's evaluation table (`reliabilityTable` in `src/model/binary-metrics.ts`:
 * `{ meanPredicted, observedRate, n }` per decile), its `informative` verdict and its `recentShift`
 * (null or absent: the probabilities shown are the tree's own).
 * @example reliabilityChart(reliabilityFromTable(evaluation.reliability, evaluation.informative, trained.recentShift))
 */
export function reliabilityFromTable(
  table: readonly { readonly meanPredicted: number; readonly observedRate: number; readonly n: number }[],
  informative?: boolean,
  recentShift?: { readonly logOdds: number } | null,
): ReliabilityInput {
  const bins = table.map((b) => ({ predicted: b.meanPredicted, observed: b.observedRate, n: b.n }))
  if (!recentShift || recentShift.logOdds === 0) return { bins, informative }
  return { bins, informative, shifted: recentShift.logOdds < 0 ? 'lowered' : 'raised' }
}

/**
 * Health-score input from scored deals (`pulse score`'s `deals`: anything with a `healthScore`).
 * @example healthScoreChart(healthScoresFromDeals(scored.deals, model.informative))
 */
export function healthScoresFromDeals(deals: readonly { readonly healthScore: number }[], informative?: boolean): HealthScoreInput {
  return { scores: deals.map((d) => d.healthScore), informative }
}

import { countClosedAfter } from '../db/count-closed-after.js'
import { findCurrentModel } from '../db/find-current-model.js'
import { findModelDeals } from '../db/find-model-deals.js'
import { findOwnerCloseCounts } from '../db/find-owner-close-counts.js'
import { findWonStageDurations } from '../db/find-won-stage-durations.js'
import { insertModel } from '../db/insert-model.js'
import type { Store } from '../db/open-store.js'
import { findStageOrder } from '../db/save-stage-order.js'
import type { RecentRateShift } from '../model/recent-rate-shift.js'
import type { ModelDrivers, ModelEvaluation, ModelParams } from '../model/win-rate-driver-engine.js'
import { WinRateDriverEngine } from '../model/win-rate-driver-engine.js'

/**
 * The model trains on at most this many of the most recently closed deals: recent selling matters
 * most, and it bounds memory and time on very large stores (owners' track records still count every close).
 */
export const MAX_TRAINING_DEALS = 200_000

/** Options of {@link retrainModel}. */
export interface RetrainOptions {
  /** Deals closed after this date are ignored; stale gaps run to it. `YYYY-MM-DD`. */
  asOf: string
  /** `PULSE_STALE_DAYS`. */
  staleDays: number
  /** Clock for `trainedAt` (tests pin it). */
  now?: Date
}

/**
 * The `pulse train` result: the contract's `train` fields (modelId, trainedAt, nTrain, nTest,
 * split, auc, aucLow, aucHigh, brier, baselineBrier, accuracy, baselineAccuracy, informative)
 * plus log loss, the verdict sentence, the reliability table, the chosen settings and the drivers.
 */
export interface TrainResult extends ModelEvaluation {
  modelId: number
  trainedAt: string
  asOf: string
  params: ModelParams
  drivers: ModelDrivers
  /**
   * The model scores now come from: this one, unless it was trained looking back (as of an
   * earlier day than the current model's), which leaves the current model as it was.
   */
  currentModelId: number
  /** The shift of the model's probabilities toward the newest deals' win rate, or null (see `recentRateShift`). */
  recentShift: RecentRateShift | null
}

/**
 * Trains a WinRateDriverEngine on the store's closed deals and records it in the model registry
 * (the weekly job and `pulse train` call this). The new model becomes the current one unless it
 * was trained as of an earlier day than the current one (a look back); when it is not informative, scores show segment base rates rather than an older model's probabilities.
 *
 * @throws AppError `no_data` when there are too few closed, non-stale deals.
 */
export async function retrainModel(store: Store, options: RetrainOptions): Promise<TrainResult> {
  const [deals, ownerCloses, stageDurations, stageOrder, closedAfter] = await Promise.all([
    findModelDeals(store.db, 'closed', { newest: MAX_TRAINING_DEALS, closedBy: options.asOf }),
    findOwnerCloseCounts(store.db),
    findWonStageDurations(store.db, options.asOf),
    findStageOrder(store.db),
    countClosedAfter(store.db, options.asOf),
  ])
  const closedStages = stageOrder.filter((s) => s.isClosed).map((s) => s.name)
  const engine = WinRateDriverEngine.train({
    deals,
    ownerCloses,
    stageDurations,
    closedStages,
    asOf: options.asOf,
    staleDays: options.staleDays,
    closedAfter,
  })
  const e = engine.evaluation
  const trainedAt = (options.now ?? new Date()).toISOString()
  const modelId = await insertModel(store.db, {
    engine: 'WinRateDriverEngine',
    trained_at: trainedAt,
    as_of: options.asOf,
    informative: e.informative ? 1 : 0,
    n_train: e.nTrain,
    n_test: e.nTest,
    train_from: e.split.trainFrom,
    train_to: e.split.trainTo,
    test_from: e.split.testFrom,
    test_to: e.split.testTo,
    params: JSON.stringify(engine.params),
    metrics: JSON.stringify(e),
    model: JSON.stringify(engine.serialize()),
  })
  return {
    modelId,
    trainedAt,
    asOf: options.asOf,
    ...e,
    params: engine.params,
    drivers: engine.drivers(),
    currentModelId: (await findCurrentModel(store.db))?.model_id ?? modelId,
    recentShift: engine.recentShift,
  }
}

import type { Generated, Selectable } from 'kysely'

/**
 * `models`: the model registry. One row per trained model with its settings, evaluation, training
 * window and serialised engine (JSON text, including ml-cart's `toJSON()` tree). Dates `YYYY-MM-DD`,
 * `trained_at` an ISO timestamp.
 */
export interface ModelsTable {
  model_id: Generated<number>
  engine: string
  trained_at: string
  as_of: string
  /** 1 when the model beat the base rate on its test deals (its probabilities may be shown). */
  informative: number
  n_train: number
  n_test: number
  train_from: string
  train_to: string
  test_from: string
  test_to: string
  /** JSON: the chosen tree settings. */
  params: string
  /** JSON: the evaluation (AUC with interval, Brier, log loss, accuracy, reliability table). */
  metrics: string
  /** JSON: the whole serialised engine. */
  model: string
}

/** `deal_scores`: the latest score of each deal under each model. */
export interface DealScoresTable {
  model_id: number
  deal_id: string
  as_of: string
  scored_at: string
  /** The model's probability, or the segment base rate when the model is not informative. */
  win_probability: number
  health_score: number
  /** `model` or `segment`: where `win_probability` came from. */
  basis: string
  /** JSON array of plain-word reasons. */
  reasons: string
}

/** Tables of the model area, created by `migrations/0003-model.ts`. */
export interface ModelTables {
  models: ModelsTable
  deal_scores: DealScoresTable
}

/** A `models` row as read. */
export type ModelRow = Selectable<ModelsTable>

import type { Kysely } from 'kysely'
import { currencyCodes } from '../analytics/currency-money.js'
import { findCurrencies } from '../db/currencies-of.js'
import { type ClosedSince, findClosedSince } from '../db/find-closed-since.js'
import { findCurrentModel } from '../db/find-current-model.js'
import { findModelForDay } from '../db/find-model-for-day.js'
import { findOpenScoringDeals } from '../db/find-open-scoring-deals.js'
import { findOwnerCloseCounts } from '../db/find-owner-close-counts.js'
import { findRollupSlice } from '../db/find-rollup-slice.js'
import type { Store } from '../db/open-store.js'
import { saveDealScores } from '../db/save-deal-scores.js'
import type { Database } from '../db/schema.js'
import type { ModelRow } from '../db/schema-model.js'
import { AppError } from '../errors.js'
import { OwnerWinHistory } from '../model/owner-win-history.js'
import { recentShiftSentence } from '../model/recent-rate-shift.js'
import { type DealScore, type ScoringContext, scoreDeals } from '../model/score-deals.js'
import { MIN_TRAINING_DEALS, type SerializedWinModel, WinRateDriverEngine } from '../model/win-rate-driver-engine.js'

/** Options of {@link scoreOpenDeals}. */
export interface ScoreOptions {
  asOf: string
  /** `PULSE_IDLE_DAYS`. */
  idleDays: number
  /** Store the scores in `deal_scores` (default true). */
  save?: boolean
  now?: Date
  /**
   * Today (`PULSE_AS_OF`, else today in `PULSE_TZ`): a close dated after it has not happened
   * (see {@link findClosedSince}); default tomorrow in UTC.
   */
  today?: string
  /** Follows the `pulse train` a message names (` --db PATH` from the CLI, so it trains the same database); default empty. */
  dbOption?: string
}

/** The `pulse score` result: the contract's `{ modelId, asOf, deals }` plus the model's verdict. Deals least healthy first. */
export interface ScoreReport {
  modelId: number
  asOf: string
  informative: boolean
  /** The model's evaluation in one sentence (why probabilities are or are not shown). */
  verdict: string
  /**
   * Deals open on `asOf` that have closed since: not scored, since the store keeps each deal as it
   * is now (0 unless `asOf` is a past day). Planned closes (`plannedCloses`) included, as in the
   * stalled report and `pulse alerts`.
   */
  closedSince: number
  /**
   * Of `closedSince`, the deals whose close date is after the newest record of the store (or
   * after today): planned closes, not ones that happened, told apart as the stalled report does.
   */
  plannedCloses: { count: number; newestRecord: string | null }
  /** Set when the model's probabilities are shifted toward the newest deals' win rate: that shift in one sentence. */
  shiftNote?: string
  /** Set when a look back scores with a model that learned from later outcomes (`CurrentModel.lookAhead`). */
  modelNote?: string
  deals: DealScore[]
}

/** A model loaded from the registry, ready to score. */
export interface CurrentModel {
  modelId: number
  row: ModelRow
  engine: WinRateDriverEngine
  /**
   * Set when scores as of a past day come from a model that learned from deals closed after it
   * (no model read only what was known then): that in one sentence, with the `pulse train` to run.
   */
  lookAhead?: string
}

/**
 * Loads the current model (the latest trained one). With `asOf`, the model current on that day
 * when there is one: the latest that read no deal closed after it ({@link findModelForDay}), so that
 * a look back scores with what was known then; else the current model, with a `lookAhead` note
 * saying that it learned from later outcomes and naming the `pulse train --as-of` that would not.
 * `dbOption` (` --db PATH`, or empty) follows each `pulse train` named.
 * @throws AppError `no_model` when no model has been trained.
 */
export async function loadCurrentModel(db: Kysely<Database>, asOf?: string, dbOption = ''): Promise<CurrentModel> {
  const ofDay = asOf === undefined ? undefined : await findModelForDay(db, asOf)
  const row = ofDay ?? (await findCurrentModel(db))
  if (!row)
    throw new AppError(
      'no_model',
      `No model has been trained yet. Run \`pulse train${dbOption}\` first; it needs at least ${MIN_TRAINING_DEALS} closed deals that are not stale.`,
    )
  const model = JSON.parse(row.model) as SerializedWinModel
  // A model stored before models named their deals' currencies reads the store's closed deals'.
  const currencies = WinRateDriverEngine.namesCurrencies(model)
    ? undefined
    : currencyCodes(await findCurrencies(db, db.selectFrom('deals').where('archived', '=', 0).where('outcome', 'in', ['won', 'lost'])))
  const engine = WinRateDriverEngine.fromSerialized(model, currencies)
  if (asOf === undefined || ofDay) return { modelId: row.model_id, row, engine }
  return {
    modelId: row.model_id,
    row,
    engine,
    lookAhead: `Model ${row.model_id} (trained as of ${row.as_of}) learned from deals closed after ${asOf}, so these scores know outcomes that were not known on that day; run \`pulse train --as-of ${asOf}${dbOption}\` to score that day with what was known then.`,
  }
}

/**
 * Owners' track records, read from the store (stage norms come with the model): every owner's, or
 * only those of `ownerIds` (enough to score deals of those owners).
 */
export async function loadScoringContext(
  db: Kysely<Database>,
  asOf: string,
  idleDays: number,
  ownerIds?: readonly string[],
): Promise<ScoringContext> {
  return { asOf, idleDays, owners: new OwnerWinHistory(await findOwnerCloseCounts(db, ownerIds)) }
}

/**
 * Scores every open deal with the model current on `asOf` (see {@link loadCurrentModel}) and
 * stores the scores (run after each sync and by `pulse score`).
 * @throws AppError `no_model` when no model has been trained.
 */
export async function scoreOpenDeals(store: Store, options: ScoreOptions): Promise<ScoreReport> {
  const current = await loadCurrentModel(store.db, options.asOf, options.dbOption)
  const [deals, context, since] = await Promise.all([
    findOpenScoringDeals(store.db),
    loadScoringContext(store.db, options.asOf, options.idleDays),
    closedSinceAsOf(store.db, options.asOf, options.today),
  ])
  const scores = scoreDeals(current.engine, deals, context)
  if (options.save ?? true) {
    const scoredAt = (options.now ?? new Date()).toISOString()
    const reasonsJson = jsonStringArrays()
    // Saved in the order the deals were read (the table's order), before sorting by health: SQLite's
    // primary-key index takes them in near key order, about a fifth less CPU than in health order.
    await saveDealScores(
      store,
      scores.map((s) => ({
        model_id: current.modelId,
        deal_id: s.dealId,
        as_of: options.asOf,
        scored_at: scoredAt,
        win_probability: s.winProbability,
        health_score: s.healthScore,
        basis: s.basis,
        reasons: reasonsJson(s.reasons),
      })),
      { replaceModelScores: current.modelId },
    )
  }
  scores.sort((a, b) => a.healthScore - b.healthScore || a.winProbability - b.winProbability || (a.dealId < b.dealId ? -1 : 1))
  return {
    modelId: current.modelId,
    asOf: options.asOf,
    informative: current.engine.informative,
    verdict: current.engine.evaluation.verdict,
    closedSince: since.count,
    plannedCloses: { count: since.planned, newestRecord: since.newestRecord },
    // Segment base rates (an uninformative model) are not shifted: only the model's probabilities are.
    ...(current.engine.recentShift === null || !current.engine.informative
      ? {}
      : { shiftNote: recentShiftSentence(current.engine.recentShift, true) }),
    ...(current.lookAhead === undefined ? {} : { modelNote: current.lookAhead }),
    deals: scores,
  }
}

/**
 * The deals open on `asOf` that have closed since, planned closes apart ({@link findClosedSince}),
 * as the stalled report counts them. A current analytics rollup built up to `asOf` or before (the
 * usual "as of" today) means nothing has closed since: none, without reading the deals.
 */
async function closedSinceAsOf(db: Kysely<Database>, asOf: string, today: string | undefined): Promise<ClosedSince> {
  if (await findRollupSlice(db, { asOf })) return { count: 0, newestRecord: null, planned: 0 }
  return findClosedSince(db, { asOf }, today)
}

/**
 * `JSON.stringify` for arrays of strings, with each distinct string quoted once: deals share a few
 * hundred reason sentences, so 100k reason lists cost a few string joins instead of 100k full
 * serialisations. Same output as `JSON.stringify(texts)`.
 */
function jsonStringArrays(): (texts: readonly string[]) => string {
  const quoted = new Map<string, string>()
  return (texts) => {
    let json = '['
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i] as string
      let q = quoted.get(text)
      if (q === undefined) {
        q = JSON.stringify(text)
        quoted.set(text, q)
      }
      json += i === 0 ? q : `,${q}`
    }
    return `${json}]`
  }
}

/**
 * {@link scoreOpenDeals}, or null when no model has been trained yet (until the first training
 * there is nothing to score with): what the scheduled scoring and `/pulse sync` run.
 */
export async function scoreOpenDealsIfTrained(store: Store, options: ScoreOptions): Promise<ScoreReport | null> {
  try {
    return await scoreOpenDeals(store, options)
  } catch (error) {
    if (error instanceof AppError && error.code === 'no_model') return null
    throw error
  }
}

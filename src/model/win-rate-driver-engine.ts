/// <reference path="../../types/ml-cart.d.ts" />

import { DecisionTreeClassifier, type DecisionTreeJson } from 'ml-cart'
import { currencyCodes } from '../analytics/currency-money.js'
import { formatCount, formatCountOf, formatDeals, formatScoresApart, formatWholePercent } from '../analytics/format-figures.js'
import type { ClosedAfter } from '../db/count-closed-after.js'
import type { ModelDeal, OwnerCloseCount, ScoringDeal, StageDurationCount } from '../db/model-deal.js'
import { isStale } from '../domain/deal-derived.js'
import { AppError } from '../errors.js'
import { accuracy, auc as aucOf, bootstrapAuc, brierScore, logLoss, type ReliabilityBin, reliabilityTable } from './binary-metrics.js'
import { amountCurrencies, describeNode } from './deal-reasons.js'
import {
  encodeRaw,
  type FeatureEncoding,
  fitFeatureEncoding,
  MODEL_FEATURES,
  type ModelFeature,
  type RawFeatures,
  rawFeatures,
  unseenValues,
} from './feature-encoding.js'
import { countNodes, type FlatTree, flattenTree, leafOf, type NodeCounts, pathOf, smoothedNodeRates } from './flat-tree.js'
import { OwnerWinHistory } from './owner-win-history.js'
import { type RecentRateShift, recentRateShift, shiftedProbability } from './recent-rate-shift.js'
import { fitSegmentRates, MIN_SEGMENT_DEALS, type SegmentRates } from './segment-base-rates.js'
import { isEndStageName, type StageNorm, stageNormsFrom } from './stage-norms.js'

/** What training needs: the store's closed deals and every owner's closes (for track records). */
export interface TrainInput {
  /** Closed deals (open ones are ignored). Stale ones are left out here, with `staleDays`. */
  deals: readonly ModelDeal[]
  ownerCloses: readonly OwnerCloseCount[]
  /** How long won deals stayed in each stage (for the health score's stage norms); empty without stage history. */
  stageDurations?: readonly StageDurationCount[]
  /** The stage order's closed stages: no stage norm for them (see `stageNormsFrom`). */
  closedStages?: readonly string[]
  /** Deals closed after this date are ignored. */
  asOf: string
  staleDays: number
  /**
   * Closed deals the store holds that closed after `asOf` and are not in `deals` (see
   * `countClosedAfter`): only what a refusal for too few deals advises depends on it. Default: none.
   */
  closedAfter?: ClosedAfter
  /** Share of the newest closed deals held out for the test (default 0.2). */
  testShare?: number
  /** Seed of the bootstrap (default fixed, so reruns give the same interval). */
  seed?: number
}

/** The tree settings chosen by validation inside the training window. */
export interface ModelParams {
  maxDepth: number
  /** ml-cart's `minNumSamples`: a node with at most this many deals is not split. */
  minNumSamples: number
  gainThreshold: number
  /** Pseudo-deals at the parent's rate added to each node's counts (leaf smoothing). */
  smoothing: number
  features: ModelFeature[]
  /** Mean log loss of the chosen settings on the validation folds (each a block of the training window by close date). */
  validationLogLoss: number
  /** Mean log loss of the base rate (of the deals outside each fold) on the same validation folds. */
  validationBaselineLogLoss: number
  /** How many settings were compared. */
  candidates: number
  /** How many blocks of the training window were validated (see {@link VALIDATION_FOLDS}); 0 when none could be. */
  validationFolds: number
  /**
   * `grouped` when our ml-cart patch is applied (fast split search); `original` when it is not
   * (`npm install` without dev dependencies skips patch-package): the same trees, trained slower.
   */
  splitSearch: 'grouped' | 'original'
}

/** The time split: train on deals closed before `testFrom`, test on the rest. Dates `YYYY-MM-DD`. */
export interface TimeSplit {
  method: 'time'
  testShare: number
  trainFrom: string
  trainTo: string
  testFrom: string
  testTo: string
}

/** How the model did on the newest closed deals, which it never saw (contract `train` fields and more). */
export interface ModelEvaluation {
  nTrain: number
  nTest: number
  split: TimeSplit
  auc: number
  aucLow: number
  aucHigh: number
  brier: number
  /** Brier score of always predicting the training window's win rate. */
  baselineBrier: number
  logLoss: number
  baselineLogLoss: number
  accuracy: number
  /** Accuracy of always predicting the training window's more common outcome. */
  baselineAccuracy: number
  /** Win rate of the training window. */
  baseRate: number
  /** Win rate of the test deals. */
  testWinRate: number
  reliability: ReliabilityBin[]
  /**
   * Set when the test AUC, or the AUC of one input on its own (the amount also read unbinned), is at
   * least {@link SUSPICIOUS_AUC}: facts known when a deal is created do not separate won from lost
   * deals that well, so an input is probably filled in at close. Names the input that ranks the test
   * deals best on its own, with that AUC (either direction). Null otherwise.
   */
  leakSuspect: { feature: ModelFeature; auc: number } | null
  /**
   * True only when the AUC interval's lower bound is above 0.5, the Brier score beats the base rate's,
   * and the test is not too good to be true (no {@link ModelEvaluation.leakSuspect}).
   */
  informative: boolean
  /** One sentence saying whether the per-deal probabilities can be trusted, with the numbers. */
  verdict: string
}

/** A feature's share of the tree's total impurity decrease. */
export interface FeatureImportance {
  feature: ModelFeature
  importance: number
}

/** A leaf of the tree in words, with its training deals. */
export interface DriverPath {
  description: string
  n: number
  won: number
  winRate: number
  /** The smoothed rate the model gives deals in this leaf. */
  probability: number
}

/** What drives wins according to the tree. */
export interface ModelDrivers {
  baseRate: number
  importance: FeatureImportance[]
  /** Leaves of at least {@link MIN_EVIDENCE_DEALS} training deals, ordered by how far their win rate is from the base rate, weighted by their size. */
  paths: DriverPath[]
}

/** The leaf a deal falls in and the probability it gets. */
export interface LeafPrediction {
  probability: number
  leaf: number
  /**
   * The node whose training deals the reason states: the leaf, or, when the leaf holds fewer than
   * {@link MIN_EVIDENCE_DEALS} of them, the narrowest node on its path that holds as many.
   */
  node: number
  /** Training deals (and wins) of `node`. */
  n: number
  won: number
  /** The path to `node` in words. */
  description: string
  /**
   * True when the path tests an input of the deal with no history behind it (a segment value no
   * training deal had, an owner without closed deals before it), so `description` is the deal's own.
   */
  ownDescription: boolean
}

/**
 * Fewest training deals a node needs before a reason states its win rate ("similar deals won 17%
 * (n=6)" is no evidence, and the leaf's probability is drawn toward its parent's anyway), as for the
 * segment rates shown by a model that is not informative. A smaller leaf's reason names the narrowest
 * node on its path with at least this many, and the model's drivers list no smaller leaf.
 */
export const MIN_EVIDENCE_DEALS = MIN_SEGMENT_DEALS

/** The engine as stored in the model registry (JSON). */
export interface SerializedWinModel {
  engine: 'WinRateDriverEngine'
  version: 1
  /** ml-cart `toJSON()` of the tree used for scoring. */
  tree: DecisionTreeJson
  encoding: FeatureEncoding
  /** Training deals and wins per tree node, in pre-order. */
  nodeN: number[]
  nodeWon: number[]
  params: ModelParams
  evaluation: ModelEvaluation
  segmentRates: SegmentRates
  /** Closed, non-stale deals the scoring tree was fitted on (train + test windows). */
  nFit: number
  /** Stage norms of won deals at training time: [stage, norm] pairs. */
  stageNorms: Array<[string, StageNorm]>
  /**
   * The shift of every probability toward the newest closed deals' win rate (see
   * {@link recentRateShift}); null or absent (a model stored before it existed): none.
   */
  recentShift?: RecentRateShift | null
  /**
   * The currencies of the deals the scoring tree was fitted on ({@link currencyCodes}; null: not
   * stated): its amount bands span them all, cut by the number without conversion, so reasons write
   * amounts in their one currency or mark them as mixed. Absent in a model stored before it
   * existed: {@link WinRateDriverEngine.fromSerialized} takes the store's closed deals' instead.
   */
  currencies?: (string | null)[]
}

/** Fewest closed, non-stale deals the model will train and test on. */
export const MIN_TRAINING_DEALS = 100

/**
 * A test AUC from which the model is suspected of reading an outcome (an input filled in or changed
 * at close, such as an amount set to 0 on lost deals) rather than predicting it: win models on facts
 * known at creation reach 0.6-0.8.
 */
export const SUSPICIOUS_AUC = 0.95

/** Each input in words, for sentences ("the amount alone ranks them ..."). */
export const FEATURE_WORDS: Readonly<Record<ModelFeature, string>> = {
  region: 'the region',
  industry: 'the industry',
  product_type: 'the product',
  lead_source: 'the lead source',
  region_amount_band: 'region x amount band (read from the amount)',
  amount: 'the amount',
  owner_win_rate: "the owner's past win rate",
}

const MAX_DEPTH = 6
const DEPTHS = [0, 1, 2, 3, 4, 5, 6]
const LEAF_FRACTIONS = [1 / 400, 1 / 200, 1 / 100, 1 / 50, 1 / 20]
// No gain threshold is tried: an absolute gain chosen on the validation tree does not carry over to
// the refit on more deals (a root split with gain 0.0098 against a chosen 0.01 left a one-leaf tree).
// Depth, node size and smoothing bound the tree instead.
const GAIN_THRESHOLD = 0

/**
 * Blocks of the training window, by close date, that the settings are validated on: each block is
 * predicted by a tree grown on the others, and the log loss is summed over them, newest first, until
 * {@link MIN_VALIDATION_DEALS} deals are validated (one block, the newest quarter, chose settings by
 * the noise of ~1,000 deals on a 6,000-deal store).
 */
export const VALIDATION_FOLDS = 5

/** Validation deals after which no older block is validated (the newest blocks come first). */
export const MIN_VALIDATION_DEALS = 5000
const SMOOTHINGS = [5, 20, 50, 150]

/** Closed deals after "as of": those in `deals` and those the store holds besides (`closedAfter`). */
function closedLater(input: TrainInput): ClosedAfter {
  let count = input.closedAfter?.count ?? 0
  let last = input.closedAfter?.lastClosedDate ?? null
  for (const d of input.deals) {
    if (d.outcome === 'open' || d.closed_date === null || d.closed_date <= input.asOf) continue
    count++
    if (last === null || d.closed_date > last) last = d.closed_date
  }
  return { count, lastClosedDate: last }
}

/**
 * Why there are too few deals to train on, and the remedy that works: a later "as of" only when
 * the deals that closed after it would make up the shortfall, else more history.
 */
function tooFewDealsMessage(f: { usable: number; stale: number; later: ClosedAfter; asOf: string; staleDays: number }): string {
  const staleNote =
    f.stale === 0
      ? ''
      : ` (${formatCount(f.stale)} more ${f.stale === 1 ? 'was' : 'were'} left out as stale: no touch for more than ${formatCountOf(f.staleDays, 'day')} (PULSE_STALE_DAYS) before ${f.stale === 1 ? 'it' : 'they'} closed)`
  const one = f.usable === 1
  const howMany = f.usable === 0 ? 'No closed deals' : `Only ${formatDeals(f.usable, 'closed')}`
  const found = `${howMany} by ${f.asOf} that ${one ? 'is' : 'are'} not stale ${one ? 'was' : 'were'} found${staleNote}; the model needs at least ${MIN_TRAINING_DEALS} to train and test.`
  const more =
    'Import more history (a larger export with more closed deals, `pulse ingest --csv FILE`, or `pulse sync` from a CRM that holds them), then train again.'
  const { count, lastClosedDate } = f.later
  if (count === 0 || lastClosedDate === null) return `${found} ${more}`
  const after = `${formatCount(count)} more ${count === 1 ? 'deal' : 'deals'} closed after ${f.asOf}`
  if (f.usable + count >= MIN_TRAINING_DEALS)
    return `${found} The store holds ${after} (the last on ${lastClosedDate}): train as of a later day, such as ${lastClosedDate}, to include them.`
  return `${found} A later day would add only the ${after}, still fewer than ${MIN_TRAINING_DEALS} in all. ${more}`
}

/**
 * WinRateDriverEngine: an explainable win-probability model. A CART tree (ml-cart) over facts known
 * when a deal is created (segment fields, amount, the owner's track record before the deal), with
 * leaf rates smoothed toward their parent, depth / leaf size / smoothing chosen by validation on
 * time blocks of the training window, and an honest test on the newest closed deals. Pure: no I/O.
 */
export class WinRateDriverEngine {
  private readonly flat: FlatTree
  private readonly counts: NodeCounts
  private readonly rates: Float64Array
  private readonly descriptions = new Map<string, string>()
  private readonly norms: Map<string, StageNorm>
  private readonly currencies: (string | null)[]
  private readonly byDealCurrency = new Map<string | null, (string | null)[]>()

  private constructor(
    private readonly model: SerializedWinModel,
    currencies: readonly (string | null)[] = [],
  ) {
    this.currencies = model.currencies ?? [...currencies]
    this.flat = flattenTree(DecisionTreeClassifier.load(model.tree).root)
    if (this.flat.column.length !== model.nodeN.length) throw new Error('The stored model does not match its tree; retrain it.')
    this.counts = { n: Float64Array.from(model.nodeN), won: Float64Array.from(model.nodeWon) }
    const shift = model.recentShift?.logOdds ?? 0
    this.rates = smoothedNodeRates(this.flat, this.counts, model.params.smoothing).map((p) => shiftedProbability(p, shift))
    // A model stored before closed stages were left out may still hold a norm for one.
    this.norms = new Map(model.stageNorms.filter(([stage]) => !isEndStageName(stage)))
  }

  /**
   * Trains and evaluates a model. Closed, non-stale deals (design.md "stale") are sorted by close
   * date; the newest `testShare` are the test; settings are chosen by validation on
   * {@link VALIDATION_FOLDS} blocks of the rest by close date; the evaluated tree is fitted on the training window only; the tree kept for
   * scoring is refitted with the same settings on all of them.
   *
   * @throws AppError `no_data` when fewer than {@link MIN_TRAINING_DEALS} usable deals exist.
   */
  static train(input: TrainInput): WinRateDriverEngine {
    const owners = new OwnerWinHistory(input.ownerCloses)
    const closed = input.deals.filter((d) => d.outcome !== 'open' && d.closed_date !== null && d.closed_date <= input.asOf)
    const usable = closed
      .filter((d) => !isStale(d, input.asOf, input.staleDays))
      .sort((a, b) =>
        (a.closed_date as string) < (b.closed_date as string) ? -1 : a.closed_date === b.closed_date ? cmp(a.deal_id, b.deal_id) : 1,
      )
    if (usable.length < MIN_TRAINING_DEALS)
      throw new AppError(
        'no_data',
        tooFewDealsMessage({
          usable: usable.length,
          stale: closed.length - usable.length,
          later: closedLater(input),
          asOf: input.asOf,
          staleDays: input.staleDays,
        }),
      )
    const firstClose = usable[0]?.closed_date as string
    if (usable[usable.length - 1]?.closed_date === firstClose)
      throw new AppError(
        'no_data',
        `All ${formatDeals(usable.length, 'closed')} that are not stale closed on one day (${firstClose}), so none is newer than the others to test the model on. Import the deals with their real close dates (a migration often stamps every deal with one date).`,
      )
    const labels = usable.map((d) => (d.outcome === 'won' ? 1 : 0))
    const raws = usable.map((d) => rawFeatures(d, owners))
    const testShare = input.testShare ?? 0.2
    const cut = timeCut(usable, 1 - testShare)
    const train = usable.slice(0, cut)
    const trainLabels = labels.slice(0, cut)
    const test = usable.slice(cut)
    const testLabels = labels.slice(cut)

    const trainRaws = raws.slice(0, cut)
    const params = selectParams(train, trainRaws, trainLabels)
    const evaluated = fitTree(trainRaws, trainLabels, params)
    const testRows = raws.slice(cut).map((r) => encodeRaw(evaluated.encoding, r))
    const testP = testRows.map((row) => evaluated.rates[leafOf(evaluated.flat, row)] as number)
    const evaluation = evaluate(
      testP,
      testLabels,
      trainLabels,
      { rows: testRows, features: evaluated.encoding.features.map((f) => f.name), amounts: raws.slice(cut).map((r) => r.amount) },
      {
        method: 'time',
        testShare,
        trainFrom: train[0]?.closed_date as string,
        trainTo: train[train.length - 1]?.closed_date as string,
        testFrom: test[0]?.closed_date as string,
        testTo: test[test.length - 1]?.closed_date as string,
      },
      input.seed,
    )

    const final = fitTree(raws, labels, params)
    const finalTestP = raws.slice(cut).map((r) => final.rates[leafOf(final.flat, encodeRaw(final.encoding, r))] as number)
    const recentShift = recentRateShift(testP, testLabels, finalTestP)
    return new WinRateDriverEngine({
      engine: 'WinRateDriverEngine',
      version: 1,
      tree: final.json,
      encoding: final.encoding,
      nodeN: Array.from(final.counts.n),
      nodeWon: Array.from(final.counts.won),
      params,
      evaluation,
      segmentRates: fitSegmentRates(usable, labels),
      nFit: usable.length,
      stageNorms: [...stageNormsFrom(input.stageDurations ?? [], input.closedStages)],
      recentShift,
      currencies: currencyCodes(usable.map((d) => d.currency)),
    })
  }

  /**
   * Rebuilds an engine from its registry form (the tree through ml-cart's `load`). `currencies`
   * stands in for {@link SerializedWinModel.currencies} in a model stored without them (the
   * currencies of the store's closed deals; default none stated, written as dollars).
   * @throws Error when the stored form is not a WinRateDriverEngine model.
   */
  static fromSerialized(model: SerializedWinModel, currencies?: readonly (string | null)[]): WinRateDriverEngine {
    if (model.engine !== 'WinRateDriverEngine' || model.version !== 1)
      throw new Error(`Unknown model format ${model.engine} v${model.version}`)
    return new WinRateDriverEngine(model, currencies)
  }

  /** Whether the stored model names its deals' currencies (models stored before they did do not). */
  static namesCurrencies(model: SerializedWinModel): boolean {
    return model.currencies !== undefined
  }

  /**
   * The currencies the amounts in `deal`'s reasons span (see `amountCurrencies`): the model's
   * deals', with the deal's own when the model has none of its unit; the model's alone without a deal.
   */
  amountCurrencies(deal?: { readonly currency?: string | null }): readonly (string | null)[] {
    if (deal === undefined) return this.currencies
    // Deals share a few currencies: each is looked at once.
    const own = deal.currency ?? null
    let codes = this.byDealCurrency.get(own)
    if (codes === undefined) {
      codes = amountCurrencies(this.currencies, own)
      if (this.byDealCurrency.size < 1000) this.byDealCurrency.set(own, codes)
    }
    return codes
  }

  /** The registry form (plain JSON). */
  serialize(): SerializedWinModel {
    return this.model
  }

  /** How the model did on the newest closed deals. */
  get evaluation(): ModelEvaluation {
    return this.model.evaluation
  }

  /** The shift of the probabilities toward the newest deals' win rate, or null when there is none. */
  get recentShift(): RecentRateShift | null {
    return this.model.recentShift ?? null
  }

  /** The settings chosen by validation. */
  get params(): ModelParams {
    return this.model.params
  }

  /** Win rates by region x amount band (shown instead of probabilities when not informative). */
  get segmentRates(): SegmentRates {
    return this.model.segmentRates
  }

  /** How long won deals stayed in each stage, as of training (the health score's pace norms). */
  get stageNorms(): ReadonlyMap<string, StageNorm> {
    return this.norms
  }

  /** True when the per-deal probabilities may be shown (see {@link ModelEvaluation.informative}). */
  get informative(): boolean {
    return this.model.evaluation.informative
  }

  /** The leaf `deal` falls in, its smoothed probability and the leaf's training deals. */
  predict(deal: ScoringDeal, owners: OwnerWinHistory): LeafPrediction {
    const raw = rawFeatures(deal, owners)
    const leaf = leafOf(this.flat, encodeRaw(this.model.encoding, raw))
    const node = this.evidenceNode(leaf)
    const unseen = unseenValues(this.model.encoding, raw)
    const general = this.describe(node)
    // A deal in a currency none of the model's deals had reads its amounts with that one added.
    const currencies = this.amountCurrencies(deal)
    const ownCurrency = currencies.length !== this.currencies.length
    const description =
      unseen === null
        ? ownCurrency
          ? this.describe(node, currencies)
          : general
        : describeNode(this.flat, this.model.encoding, node, unseen, currencies)
    return {
      probability: this.rates[leaf] as number,
      leaf,
      node,
      n: this.counts.n[node] as number,
      won: this.counts.won[node] as number,
      description,
      ownDescription: description !== general,
    }
  }

  /** Importance by impurity decrease, and the leaves that depart most from the base rate. */
  drivers(limit = 10): ModelDrivers {
    const { n, won } = this.counts
    const gini = (k: number) => {
      const nk = n[k] as number
      if (nk === 0) return 0
      const p = (won[k] as number) / nk
      return nk * 2 * p * (1 - p)
    }
    const total = new Map<number, number>()
    for (let k = 0; k < this.flat.column.length; k++) {
      const c = this.flat.column[k] as number
      if (c < 0) continue
      const decrease = gini(k) - gini(this.flat.left[k] as number) - gini(this.flat.right[k] as number)
      total.set(c, (total.get(c) ?? 0) + Math.max(0, decrease))
    }
    const sum = [...total.values()].reduce((a, b) => a + b, 0)
    const importance = this.model.encoding.features
      .map((f, c) => ({ feature: f.name, importance: sum === 0 ? 0 : (total.get(c) ?? 0) / sum }))
      .sort((a, b) => b.importance - a.importance)
    const base = (n[0] as number) === 0 ? 0 : (won[0] as number) / (n[0] as number)
    const paths: DriverPath[] = []
    for (let k = 0; k < this.flat.column.length; k++) {
      if ((this.flat.column[k] as number) >= 0) continue
      const nk = n[k] as number
      // A leaf of a handful of deals is no driver, however far its rate is from the base rate.
      if (nk < MIN_EVIDENCE_DEALS) continue
      paths.push({
        description: this.describe(k),
        n: nk,
        won: won[k] as number,
        winRate: nk === 0 ? 0 : (won[k] as number) / nk,
        probability: this.rates[k] as number,
      })
    }
    paths.sort((a, b) => b.n * Math.abs(b.winRate - base) - a.n * Math.abs(a.winRate - base))
    return { baseRate: base, importance, paths: paths.slice(0, limit) }
  }

  // The leaf, or the nearest node above it with at least MIN_EVIDENCE_DEALS training deals (the root at worst).
  private evidenceNode(leaf: number): number {
    let k = leaf
    while ((this.counts.n[k] as number) < MIN_EVIDENCE_DEALS && (this.flat.parent[k] as number) >= 0) k = this.flat.parent[k] as number
    return k
  }

  private describe(node: number, currencies: readonly (string | null)[] = this.currencies): string {
    const key = `${node}\u0000${currencies.join(',')}`
    let d = this.descriptions.get(key)
    if (d === undefined) {
      d = describeNode(this.flat, this.model.encoding, node, null, currencies)
      this.descriptions.set(key, d)
    }
    return d
  }
}

interface FittedTree {
  json: DecisionTreeJson
  encoding: FeatureEncoding
  flat: FlatTree
  counts: NodeCounts
  rates: Float64Array
}

function fitTree(raws: readonly RawFeatures[], labels: number[], params: ModelParams): FittedTree {
  const encoding = fitFeatureEncoding(raws, labels)
  const rows = raws.map((r) => encodeRaw(encoding, r))
  const tree = new DecisionTreeClassifier({
    maxDepth: params.maxDepth,
    minNumSamples: params.minNumSamples,
    gainThreshold: params.gainThreshold,
  })
  tree.train(rows, labels)
  const json = JSON.parse(JSON.stringify(tree.toJSON())) as DecisionTreeJson
  const flat = flattenTree(DecisionTreeClassifier.load(json).root)
  const counts = countNodes(flat, rows, labels)
  return { json, encoding, flat, counts, rates: smoothedNodeRates(flat, counts, params.smoothing) }
}

/**
 * Chooses depth, node size and smoothing (the gain threshold stays 0) by log loss summed over
 * validation folds: the training window is cut by close date into {@link VALIDATION_FOLDS} blocks
 * (deals closed on one day stay together), and each block, newest first until
 * {@link MIN_VALIDATION_DEALS} deals are validated, is predicted by a tree grown on the others. One deep tree is grown per fold; every smaller setting is that tree cut back (ml-cart
 * grows each node from its own rows alone, so cutting at depth d, at nodes of <= N rows or with
 * gain <= g gives exactly the tree those settings would grow). Node sizes are fractions of the
 * deals a tree is grown on, so the setting chosen carries over to the refit on more deals.
 */
function selectParams(deals: readonly ModelDeal[], raws: readonly RawFeatures[], labels: number[]): ModelParams {
  const bounds = foldBounds(deals, VALIDATION_FOLDS)
  const leafSize = (n: number, f: number) => Math.max(10, Math.round(n * f))
  const fitShare = (VALIDATION_FOLDS - 1) / VALIDATION_FOLDS
  const fallback: ModelParams = {
    maxDepth: 0,
    minNumSamples: leafSize(deals.length * fitShare, LEAF_FRACTIONS[LEAF_FRACTIONS.length - 1] as number),
    gainThreshold: GAIN_THRESHOLD,
    smoothing: 20,
    features: [...MODEL_FEATURES],
    validationLogLoss: Number.NaN,
    validationBaselineLogLoss: Number.NaN,
    candidates: 0,
    validationFolds: 0,
    splitSearch: splitSearchInUse(),
  }
  const nCandidates = DEPTHS.length * LEAF_FRACTIONS.length * SMOOTHINGS.length
  const lossSum = new Float64Array(nCandidates)
  let baselineSum = 0
  let validated = 0
  let validationFolds = 0
  // Newest block first; once enough deals are validated the choice is no longer noise, and a large
  // store stops there (one tree instead of five keeps a 100k-deal training within its budget).
  for (let f = bounds.length - 2; f >= 0 && validated < MIN_VALIDATION_DEALS; f--) {
    const from = bounds[f] as number
    const to = bounds[f + 1] as number
    const inFit = (i: number) => i < from || i >= to
    const fitRaws = raws.filter((_, i) => inFit(i))
    const fitLabels = labels.filter((_, i) => inFit(i))
    const validRaws = raws.slice(from, to)
    const validLabels = labels.slice(from, to)
    if (validLabels.length < 20 || fitLabels.length < 20) continue
    validated += validLabels.length
    validationFolds++
    const sizes = LEAF_FRACTIONS.map((fr) => leafSize(fitLabels.length, fr))
    const grown = fitTree(fitRaws, fitLabels, { ...fallback, maxDepth: MAX_DEPTH, minNumSamples: Math.min(...sizes) })
    const paths = validRaws.map((r) => pathOf(grown.flat, encodeRaw(grown.encoding, r)))
    const ratesBySmoothing = SMOOTHINGS.map((m) => smoothedNodeRates(grown.flat, grown.counts, m))
    const base = mean(fitLabels)
    baselineSum +=
      logLoss(
        validLabels.map(() => base),
        validLabels,
      ) * validLabels.length
    const p = new Float64Array(validLabels.length)
    let c = 0
    for (const maxDepth of DEPTHS) {
      for (let z = LEAF_FRACTIONS.length - 1; z >= 0; z--) {
        const minNumSamples = sizes[z] as number
        const leaves = paths.map((path) => {
          for (const k of path) {
            const isLeaf =
              (grown.flat.column[k] as number) < 0 ||
              (grown.flat.depth[k] as number) >= maxDepth ||
              (grown.counts.n[k] as number) <= minNumSamples ||
              (grown.flat.gain[k] as number) <= GAIN_THRESHOLD
            if (isLeaf) return k
          }
          return path[path.length - 1] as number
        })
        for (let s = 0; s < SMOOTHINGS.length; s++) {
          const rates = ratesBySmoothing[s] as Float64Array
          leaves.forEach((k, i) => {
            p[i] = rates[k] as number
          })
          lossSum[c] = (lossSum[c] as number) + logLoss(p, validLabels) * validLabels.length
          c++
        }
      }
    }
  }
  if (validated === 0) return fallback
  // Simplest settings first, so a tie keeps the simpler tree.
  let best = { ...fallback, validationLogLoss: Number.POSITIVE_INFINITY }
  let c = 0
  for (const maxDepth of DEPTHS) {
    for (let z = LEAF_FRACTIONS.length - 1; z >= 0; z--) {
      for (let s = 0; s < SMOOTHINGS.length; s++) {
        const loss = (lossSum[c] as number) / validated
        c++
        if (loss < best.validationLogLoss - 1e-12)
          best = {
            ...best,
            maxDepth,
            minNumSamples: leafSize(deals.length * fitShare, LEAF_FRACTIONS[z] as number),
            smoothing: SMOOTHINGS[s] as number,
            validationLogLoss: loss,
          }
      }
    }
  }
  return { ...best, validationBaselineLogLoss: baselineSum / validated, candidates: nCandidates, validationFolds }
}

/** Start indexes of `folds` blocks of deals by close date (deals closed on one day stay together), and the end. */
function foldBounds(sorted: readonly ModelDeal[], folds: number): number[] {
  const cuts = [0]
  for (let k = 1; k < folds; k++) {
    const at = timeCut(sorted, k / folds)
    if (at > (cuts[cuts.length - 1] as number) && at < sorted.length) cuts.push(at)
  }
  cuts.push(sorted.length)
  return cuts
}

function evaluate(
  testP: number[],
  testLabels: number[],
  trainLabels: number[],
  test: TestInputs,
  split: TimeSplit,
  seed: number | undefined,
): ModelEvaluation {
  const baseRate = mean(trainLabels)
  const constant = testLabels.map(() => baseRate)
  const testWins = testLabels.reduce((a, y) => a + y, 0)
  // With one outcome only there are no won-lost pairs to rank: the AUC is undefined (0.5 by
  // convention) and its interval is all of [0, 1], not the zero-width 0.5-0.5 the bootstrap gives.
  const oneOutcome = testWins === 0 ? 'lost' : testWins === testLabels.length ? 'won' : null
  const bootstrap = bootstrapAuc(testP, testLabels, { seed })
  const { auc } = bootstrap
  const [low, high] = oneOutcome ? [0, 1] : [bootstrap.low, bootstrap.high]
  const brier = brierScore(testP, testLabels)
  const baselineBrier = brierScore(constant, testLabels)
  // A too-good test, or one input separating the test deals on its own (an amount of 0 on every
  // lost deal does, even where the tree's amount bins lump 0 with small won deals and blunt it).
  const alone = oneOutcome ? null : bestSingleFeature(test, testLabels)
  const leakSuspect = alone !== null && (auc >= SUSPICIOUS_AUC || alone.auc >= SUSPICIOUS_AUC) ? alone : null
  const informative = low > 0.5 && brier < baselineBrier && leakSuspect === null
  const verdict = evaluationVerdict({
    nTest: testLabels.length,
    auc,
    aucLow: low,
    aucHigh: high,
    brier,
    baselineBrier,
    baseRate,
    testWinRate: mean(testLabels),
    leakSuspect,
    informative,
  })
  return {
    nTrain: trainLabels.length,
    nTest: testLabels.length,
    split,
    auc,
    aucLow: low,
    aucHigh: high,
    brier,
    baselineBrier,
    logLoss: logLoss(testP, testLabels),
    baselineLogLoss: logLoss(constant, testLabels),
    accuracy: accuracy(testP, testLabels),
    baselineAccuracy: accuracy(
      testLabels.map(() => (baseRate >= 0.5 ? 1 : 0)),
      testLabels,
    ),
    baseRate,
    testWinRate: mean(testLabels),
    reliability: reliabilityTable(testP, testLabels),
    leakSuspect,
    informative,
    verdict,
  }
}

/**
 * The one sentence `pulse train` and `pulse score` print about the evaluation: whether the per-deal
 * probabilities can be trusted and, when not, which test failed (the ranking against chance, the
 * Brier score against the base rate's, a test with one outcome only, or one too good to be true),
 * with the numbers.
 */
export function evaluationVerdict(
  e: Pick<
    ModelEvaluation,
    'nTest' | 'auc' | 'aucLow' | 'aucHigh' | 'brier' | 'baselineBrier' | 'baseRate' | 'testWinRate' | 'leakSuspect' | 'informative'
  >,
): string {
  // The two scores read apart whenever they differ, so "score worse" never stands beside two equal figures.
  const [brier, baselineBrier] = formatScoresApart(e.brier, e.baselineBrier)
  const brierText = `Brier ${brier} vs ${baselineBrier} for the base rate of ${formatWholePercent(e.baseRate)}`
  const numbers = `AUC ${e.auc.toFixed(2)}, 95% CI ${e.aucLow.toFixed(2)}-${e.aucHigh.toFixed(2)}; ${brierText}`
  const instead = 'so deals are shown the win rate of similar past deals instead of a per-deal probability.'
  const deals = newestClosed(e.nTest)
  if (e.nTest > 0 && (e.testWinRate === 0 || e.testWinRate === 1))
    return `${capitalised(oneOutcome(e.nTest, e.testWinRate))}, so the model's ranking could not be tested (AUC undefined, shown as 0.50 with the interval 0-1; ${brierText}). Deals are shown the win rate of similar past deals instead of a per-deal probability.`
  const leak = e.leakSuspect
  if (leak) {
    const example =
      leak.feature === 'amount' || leak.feature === 'region_amount_band'
        ? 'an amount set to 0 on lost deals'
        : 'a value set when the deal is won or lost'
    const words = FEATURE_WORDS[leak.feature]
    const lead =
      e.auc >= SUSPICIOUS_AUC
        ? `The model separates ${deals} almost perfectly (${numbers}), which facts known when a deal is created do not do: ${words} alone ranks them with AUC ${leak.auc.toFixed(2)}`
        : `${words.charAt(0).toUpperCase()}${words.slice(1)} alone separates ${deals} almost perfectly (AUC ${leak.auc.toFixed(2)}), which facts known when a deal is created do not do, and the model reads it (${numbers})`
    return `${lead}, so it is probably filled in or changed when deals close (for example ${example}). Deals are shown the win rate of similar past deals instead of a per-deal probability; check what that field holds at close.`
  }
  if (e.informative) return `The model ranks ${deals} better than chance and its probabilities beat the base rate (${numbers}).`
  const ranks = e.aucLow > 0.5
  const scores = e.brier < e.baselineBrier
  const which =
    !ranks && !scores
      ? 'it ranks them no better than chance and its probabilities score no better'
      : !ranks
        ? "its probabilities score better than the base rate's, but its ranking is not shown to beat chance (the AUC interval reaches 0.5)"
        : e.brier === e.baselineBrier
          ? 'it ranks them better than chance, but its probabilities score no better than always predicting the base rate'
          : 'it ranks them better than chance, but its probabilities score worse than always predicting the base rate'
  return `The model does not beat the base rate on ${deals}: ${which} (${numbers}), ${instead}`
}

// "the newest 1,088 closed deals", or "the newest closed deal" for one.
function newestClosed(n: number): string {
  return n === 1 ? 'the newest closed deal' : `the newest ${formatDeals(n, 'closed')}`
}

/** "the newest 26 closed deals were all lost", or "the newest closed deal was lost" for one (`winRate` 0 or 1). */
export function oneOutcome(n: number, winRate: number): string {
  return `${newestClosed(n)} ${n === 1 ? 'was' : 'were all'} ${winRate === 0 ? 'lost' : 'won'}`
}

function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`
}

/** The test deals as the leak check reads them: encoded rows, and each deal's amount as it is. */
interface TestInputs {
  rows: readonly number[][]
  features: readonly ModelFeature[]
  amounts: readonly number[]
}

// The input that ranks the test deals best on its own (codes in either direction), with that AUC.
// The amount is also read unbinned: its bins can hide a leak that the amount itself shows.
function bestSingleFeature(test: TestInputs, labels: readonly number[]): { feature: ModelFeature; auc: number } {
  let best = { feature: test.features[0] as ModelFeature, auc: 0 }
  const consider = (feature: ModelFeature, values: readonly number[]) => {
    const a = aucOf(values, labels)
    const both = Math.max(a, 1 - a)
    if (both > best.auc) best = { feature, auc: both }
  }
  test.features.forEach((feature, c) => {
    consider(
      feature,
      test.rows.map((row) => row[c] as number),
    )
  })
  consider('amount', test.amounts)
  return best
}

let splitSearch: 'grouped' | 'original' | undefined

/** Whether ml-cart carries our patch: the patched tree copies the `splitSearch` option onto its nodes. */
export function splitSearchInUse(): 'grouped' | 'original' {
  if (splitSearch === undefined) {
    const probe = new DecisionTreeClassifier({ splitSearch: 'naive', maxDepth: 1, minNumSamples: 0 })
    probe.train([[0], [1]], [0, 1])
    splitSearch = probe.root.splitSearch === 'naive' ? 'grouped' : 'original'
  }
  return splitSearch
}

/** Index of the first deal in the newest `1 - share` by close date; deals closed on one day stay together. */
function timeCut(sorted: readonly ModelDeal[], share: number): number {
  const at = Math.min(sorted.length - 1, Math.max(1, Math.floor(sorted.length * share)))
  const day = sorted[at]?.closed_date
  let cut = at
  while (cut > 0 && sorted[cut - 1]?.closed_date === day) cut--
  if (cut === 0) {
    cut = at
    while (cut < sorted.length && sorted[cut]?.closed_date === day) cut++
  }
  return cut === sorted.length ? at : cut
}

function mean(xs: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i] as number
  return xs.length === 0 ? 0 : s / xs.length
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

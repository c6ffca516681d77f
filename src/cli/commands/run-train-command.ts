import { formatCount, formatScoresApart, formatWholePercent } from '../../analytics/format-figures.js'
import { todayOf } from '../../config.js'
import { AppError } from '../../errors.js'
import { recentShiftSentence } from '../../model/recent-rate-shift.js'
import { VALIDATION_FOLDS } from '../../model/win-rate-driver-engine.js'
import { retrainModel, type TrainResult } from '../../services/retrain-model.js'
import { cliConfig, dbOptionOf, emit, resolveAsOf, usingStore } from '../cli-context.js'
import type { CliIo, CommonOptions } from '../cli-options.js'
import type { registerTrainCommand } from './train-command.js'

/** Runs `pulse train` with what Commander parsed: the work behind {@link registerTrainCommand}. */
export async function runTrainCommand(options: CommonOptions, io: CliIo): Promise<void> {
  const result = await usingStore(
    options,
    (store, config) => {
      const asOf = resolveAsOf(options, config)
      const today = todayOf(config)
      // The model trained as of the latest day is the current one: a future day would keep it current until then.
      if (asOf > today) {
        throw new AppError(
          'bad_input',
          `--as-of ${asOf} is after today (${today}): a model trained as of a later day would stay the current one until that day. Leave --as-of out to train as of today, or give an earlier day to look back.`,
        )
      }
      return retrainModel(store, { asOf, staleDays: config.staleDays })
    },
    { existing: true, io, needsDeals: true },
  )
  emit(io, options, trainJson(result), () => formatTrainResult(result, dbOptionOf(options, cliConfig())))
}

/** The `--json` shape: contract.md `train` fields first, then the details. */
export function trainJson(r: TrainResult): Record<string, unknown> {
  // Keys set first keep their place when the spread below repeats them.
  const first: Record<string, unknown> = {}
  for (const key of CONTRACT_TRAIN_FIELDS) first[key] = r[key]
  return { ...first, ...r }
}

const CONTRACT_TRAIN_FIELDS = [
  'modelId',
  'trainedAt',
  'nTrain',
  'nTest',
  'split',
  'auc',
  'aucLow',
  'aucHigh',
  'brier',
  'baselineBrier',
  'accuracy',
  'baselineAccuracy',
  'informative',
] as const satisfies ReadonlyArray<keyof TrainResult>

const FEATURE_WORDS: Record<string, string> = {
  region: 'region',
  industry: 'industry',
  product_type: 'product',
  lead_source: 'lead source',
  region_amount_band: 'region x amount band',
  amount: 'amount',
  owner_win_rate: "owner's past win rate",
}

/**
 * The evaluation as a person reads it: the numbers next to their baselines, the verdict, drivers.
 * `dbOption` (` --db PATH`, or empty for the default database) follows the `pulse score` it names.
 */
export function formatTrainResult(r: TrainResult, dbOption = ''): string {
  const s = r.split
  const majority = r.baseRate >= 0.5 ? 'won' : 'lost'
  const [brier, baselineBrier] = formatScoresApart(r.brier, r.baselineBrier)
  const lines = [
    `Model ${r.modelId} trained on ${formatCount(r.nTrain)} deals closed ${s.trainFrom} to ${s.trainTo}; tested on the newest ${formatCount(r.nTest)} (closed ${s.testFrom} to ${s.testTo}).`,
    '',
    '  measure    model                       baseline',
    `  AUC        ${pad(`${r.auc.toFixed(3)} (95% CI ${r.aucLow.toFixed(3)}-${r.aucHigh.toFixed(3)})`, 28)}0.500 (chance)`,
    `  Brier      ${pad(brier, 28)}${baselineBrier} (always ${formatWholePercent(r.baseRate)})`,
    `  log loss   ${pad(r.logLoss.toFixed(4), 28)}${r.baselineLogLoss.toFixed(4)}`,
    `  accuracy   ${pad(formatWholePercent(r.accuracy), 28)}${formatWholePercent(r.baselineAccuracy)} (always "${majority}")`,
    '',
    r.informative ? `Informative. ${r.verdict}` : `NOT informative. ${r.verdict}`,
    r.currentModelId !== r.modelId
      ? `Model ${r.modelId} was trained looking back (as of ${r.asOf}); model ${r.currentModelId}, trained as of a later day, stays the current model, and scores do not change; \`pulse score --as-of ${r.asOf}${dbOption}\` scores with it.`
      : `${
          r.informative
            ? `Model ${r.modelId} is now the current model: scores use its probabilities.`
            : `Model ${r.modelId} is now the current model: until a model is informative, scores show the win rate of similar past deals, not predictions.`
        } Open deals have no scores from it yet: run \`pulse score${dbOption}\` (\`pulse serve\` scores after each sync); until then Slack shows them without a health score.`,
    `On the test deals it predicted ${formatWholePercent(meanPredicted(r))} on average and ${formatWholePercent(r.testWinRate)} won (the training window won ${formatWholePercent(r.baseRate)}).`,
    ...(r.recentShift === null || !r.informative ? [] : [recentShiftSentence(r.recentShift)]),
    '',
    'Reliability on the test deals (by decile of predicted probability; deals given the same probability share one row):',
    '  row       n  predicted  observed',
    ...r.reliability.map(
      (b) =>
        `  ${pad(String(b.decile), 6)}${String(b.n).padStart(5)}  ${pad(formatWholePercent(b.meanPredicted), 11)}${formatWholePercent(b.observedRate)}`,
    ),
    '',
  ]
  const drivers = r.drivers.importance.filter((i) => i.importance > 0)
  // A tree that failed its test has splits that are noise: naming them would state a finding.
  const showDrivers = drivers.length > 0 && r.informative
  lines.push(
    drivers.length === 0
      ? 'Drivers: the tree found no split worth keeping (every deal gets the base rate).'
      : !r.informative
        ? 'Drivers: not shown, because the model did not beat the base rate: its splits are not findings. `pulse report drivers` tests each segment with confidence intervals.'
        : `Drivers (share of the tree's impurity decrease): ${drivers.map((i) => `${FEATURE_WORDS[i.feature] ?? i.feature} ${formatWholePercent(i.importance)}`).join(', ')}.`,
  )
  if (showDrivers && r.drivers.paths.length > 0) {
    lines.push('Paths that differ most from the base rate:')
    for (const p of r.drivers.paths.slice(0, 5))
      lines.push(`  ${p.description}: won ${formatWholePercent(p.winRate)} (n=${formatCount(p.n)})`)
  }
  const q = r.params
  lines.push(
    '',
    `Settings chosen by validation on ${q.validationFolds} of ${VALIDATION_FOLDS} blocks of the training window by close date (newest first), each predicted by a tree grown on the others (${q.candidates} compared): depth ${q.maxDepth}, nodes of ${q.minNumSamples} deals or fewer not split, leaves smoothed with ${q.smoothing} deals at the parent's rate.`,
  )
  if (q.splitSearch === 'original') {
    lines.push(
      'Note: the ml-cart patch is not applied (an install with --ignore-scripts skips it: run `npx patch-package` in the checkout), so training used the slow original split search.',
    )
  }
  return lines.join('\n')
}

function meanPredicted(r: TrainResult): number {
  const n = r.reliability.reduce((a, b) => a + b.n, 0)
  return n === 0 ? 0 : r.reliability.reduce((a, b) => a + b.meanPredicted * b.n, 0) / n
}

function pad(s: string, width: number): string {
  return s.padEnd(width)
}

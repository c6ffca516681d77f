import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { auc } from '../../src/model/binary-metrics.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { runCli } from '../helpers/run-cli.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']

/** `pulse sample` -> import -> train -> score; returns the evaluation, the scores and the truth file. */
async function sampleRun(deals: number, patterns: 'planted' | 'none', seed: string) {
  const out = join(tempDir(), 'sample.csv')
  const run = await runCli('sample', '--out', out, '--deals', String(deals), '--seed', seed, '--as-of', AS_OF, '--patterns', patterns)
  expect(run.code).toBe(0)
  const store = await openTestStore()
  await importCsvFile(store, { path: out, map: new Map(), stages: STAGES, startedBy: null })
  const trained = await retrainModel(store, { asOf: AS_OF, staleDays: 30 })
  const scored = await scoreOpenDeals(store, { asOf: AS_OF, idleDays: 14, save: false })
  await store.close()
  const truth = new Map<string, { p: number; won: number }>()
  for (const line of readFileSync(out.replace(/\.csv$/, '.truth.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)) {
    const [id, p, outcome, isOpen] = line.split(',')
    if (isOpen === '1') truth.set(id as string, { p: Number(p), won: outcome === 'Won' ? 1 : 0 })
  }
  return { trained, scored, truth }
}

/** The open deals' outcomes, with our scores and the generator's own probabilities, and the AUC gap between the two. */
function aucGap({ scored, truth }: Awaited<ReturnType<typeof sampleRun>>) {
  const ours: number[] = []
  const oracle: number[] = []
  const outcomes: number[] = []
  for (const d of scored.deals) {
    const t = truth.get(d.dealId)
    if (!t) continue
    ours.push(d.winProbability)
    oracle.push(t.p)
    outcomes.push(t.won)
  }
  return { outcomes, gap: auc(oracle, outcomes) - auc(ours, outcomes) }
}

/** Mean win probability of the open deals: ours, and the generator's own. */
function meanProbabilities({ scored, truth }: Awaited<ReturnType<typeof sampleRun>>) {
  let ours = 0
  let oracle = 0
  let n = 0
  for (const d of scored.deals) {
    const t = truth.get(d.dealId)
    if (!t) continue
    ours += d.winProbability
    oracle += t.p
    n++
  }
  return { ours: ours / n, oracle: oracle / n }
}

describe('on pulse sample data', () => {
  it('ranks the open deals (outcomes from the truth file) within 0.03 AUC of the generator’s own probabilities', async () => {
    const run = await sampleRun(30_000, 'planted', '1')
    expect(run.trained.informative).toBe(true)
    const { outcomes, gap } = aucGap(run)
    expect(outcomes.length).toBeGreaterThan(1500)
    // Stage norms from the sample's stage history travel with the model into the reasons.
    expect(run.scored.deals.some((d) => d.reasons.some((r) => /; 90% of won deals leave it within \d+$/.test(r)))).toBe(true)
    expect(Math.abs(gap)).toBeLessThanOrEqual(0.03)
  })

  it('ranks the open deals of the default 6,000-deal sample within 0.022 AUC of the generator on average over seeds 1-5', async () => {
    // With the settings chosen on the newest quarter of the training window alone (~1,000 deals),
    // the mean gap was 0.028: the choice followed that quarter's noise.
    const gaps: number[] = []
    for (const seed of ['1', '2', '3', '4', '5']) {
      const run = await sampleRun(6000, 'planted', seed)
      expect(run.trained.informative).toBe(true)
      gaps.push(aucGap(run).gap)
      // The planted recent drop lowers the open deals' true rate well below the training window's:
      // probabilities shifted toward the newest deals' rate land near it (unshifted they ran 0.10-0.14 high).
      expect(run.trained.recentShift?.logOdds).toBeLessThan(0)
      const { ours, oracle } = meanProbabilities(run)
      expect(Math.abs(ours - oracle), `seed ${seed}: ours ${ours}, generator ${oracle}`).toBeLessThanOrEqual(0.05)
    }
    expect(gaps.reduce((a, g) => a + g, 0) / gaps.length).toBeLessThanOrEqual(0.022)
  }, 120_000)

  it('keeps on a smaller sample the splits validation found: the tested tree is not cut back to one leaf', async () => {
    // Seed 6 at 3,000 deals: validation picks a depth-2 tree that beats the base rate; a gain threshold
    // carried over from the validation tree used to prune the refitted tree to its root.
    const { trained } = await sampleRun(3000, 'planted', '6')
    expect(trained.params.maxDepth).toBeGreaterThan(0)
    expect(trained.params.validationLogLoss).toBeLessThan(trained.params.validationBaselineLogLoss)
    expect(trained.aucHigh).toBeGreaterThan(trained.aucLow)
    expect(trained.informative).toBe(true)
  })

  it('is not informative on a sample with no planted effect', async () => {
    const { trained, scored } = await sampleRun(6000, 'none', '1')
    expect(trained.informative).toBe(false)
    // No drift was planted: no shift toward the newest deals' rate either.
    expect(trained.recentShift).toBeNull()
    expect(scored.deals.length).toBeGreaterThan(0)
    expect(scored.deals.every((d) => d.basis === 'segment' && d.reasons[0]?.startsWith('Not a prediction'))).toBe(true)
  })
})

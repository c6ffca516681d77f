import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatCount } from '../../src/analytics/format-figures.js'
import { formatTrainResult } from '../../src/cli/commands/run-train-command.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, FIXTURE_AS_OF, syntheticDeals } from './model-fixtures.js'

describe('pulse train / score / deal', () => {
  it('prints the contract JSON shapes and readable text', async () => {
    const db = join(tempDir(), 'p.db')
    const deals = syntheticDeals({ n: 2000, seed: 12, signal: true })
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(deals)), '--db', db)).code).toBe(0)

    const early = await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(early.code).toBe(1)
    // The training it names is of the database given, not the default one.
    expect(early.stderr).toContain(`Run \`pulse train --db ${db}\` first`)

    const train = await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF, '--json')
    expect(train.code).toBe(0)
    const t = JSON.parse(train.stdout)
    expect(Object.keys(t).slice(0, 13)).toEqual([
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
    ])
    expect(t).toMatchObject({ modelId: 1, informative: true })

    const text = await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(text.stdout).toMatch(/Model 2 trained on \d{1,3}(,\d{3})* deals closed/)
    expect(text.stdout).toMatch(/AUC +0\.\d{3} \(95% CI/)
    expect(text.stdout).toMatch(/^Informative\./m)
    // Slack reads the current model's stored scores: until pulse score runs there are none.
    expect(text.stdout).toContain(
      `Model 2 is now the current model: scores use its probabilities. Open deals have no scores from it yet: run \`pulse score --db ${db}\``,
    )

    const score = await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF, '--json')
    const s = JSON.parse(score.stdout)
    expect(s).toMatchObject({ modelId: 2, asOf: FIXTURE_AS_OF })
    expect(s.deals.length).toBe(deals.filter((d) => d.outcome === 'open').length)
    expect(Object.keys(s.deals[0]).slice(0, 4)).toEqual(['dealId', 'winProbability', 'healthScore', 'reasons'])

    const scoreText = await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF, '--limit', '3')
    expect(scoreText.stdout).toMatch(/Least healthy 3/)
    for (const limit of ['0x10', '1e2']) {
      const refused = await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF, '--limit', limit)
      expect(refused, limit).toMatchObject({ code: 1, stdout: '' })
      expect(refused.stderr).toContain(`--limit "${limit}" is not a whole number`)
    }

    const id = s.deals[0].dealId
    const deal = await runCli('deal', id, '--db', db, '--as-of', FIXTURE_AS_OF, '--json')
    expect(JSON.parse(deal.stdout)).toMatchObject({
      ...s.deals[0],
      region: expect.any(String),
      amount: expect.any(Number),
      stage: expect.any(String),
    })
    const dealText = await runCli('deal', id, '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(dealText.stdout).toMatch(/Health \d+\/100 · win probability \d+%/)
    expect(dealText.stdout).toMatch(/similar deals won/)

    // The informative model's drivers are shown; the same tree labelled not informative shows none.
    expect(text.stdout).toMatch(/^Drivers \(share of the tree's impurity decrease\): lead source \d+%/m)
    expect(text.stdout).toMatch(/^Paths that differ most from the base rate:/m)
    const uninformative = formatTrainResult({ ...t, informative: false })
    expect(uninformative).not.toMatch(/Paths that differ most|lead source \d+%|won \d+% \(n=/)
    expect(uninformative).toMatch(/^Drivers: not shown, because the model did not beat the base rate/m)
    // A shift toward the newest deals' rate is said of an informative model only: an uninformative one's scores are segment rates.
    const recentShift = { logOdds: -0.5, n: 400, predicted: 0.36, observed: 0.24, z: -5, check: { before: 0.56, after: 0.51 } }
    expect(formatTrainResult({ ...t, recentShift })).toMatch(
      /^Probabilities are lowered toward the newest deals' win rate: the 400 newest closed deals won 24%/m,
    )
    expect(formatTrainResult({ ...t, recentShift, informative: false })).not.toMatch(/Probabilities are lowered/)
  })

  it('on too little history, train and score both say how many closed deals a model needs', async () => {
    const db = join(tempDir(), 'p.db')
    const few = syntheticDeals({ n: 70, seed: 5, signal: true })
    await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(few)), '--db', db)
    const train = await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(train.code).toBe(1)
    expect(train.stderr).toMatch(/needs at least 100 to train and test\. Import more history \(a larger export/)
    // Nothing closed after "as of": a later day would not help.
    expect(train.stderr).not.toMatch(/later day/)
    // `pulse train` was run and refused: score must not send the user back to it without saying why.
    const score = await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(score.code).toBe(1)
    expect(score.stderr).toContain(`Run \`pulse train --db ${db}\` first; it needs at least 100 closed deals that are not stale`)
  })

  it('on a `pulse sample` store too small to train, says how many closed deals it holds and to import more', async () => {
    const dir = tempDir()
    const csv = join(dir, 'sample.csv')
    const db = join(dir, 'p.db')
    expect((await runCli('sample', '--out', csv, '--deals', '60', '--seed', '4', '--as-of', FIXTURE_AS_OF)).code).toBe(0)
    expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
    const train = await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(train.code).toBe(1)
    expect(train.stderr).toMatch(
      /^Only \d+ closed deals by 2024-07-20 that are not stale were found.*; the model needs at least 100 to train and test\./,
    )
    expect(train.stderr).toContain('Import more history (a larger export with more closed deals, `pulse ingest --csv FILE`')
    expect(train.stderr).not.toMatch(/later day/)
  })

  it('advises training as of a later day when the store holds the closes that "as of" cuts off', async () => {
    const db = join(tempDir(), 'p.db')
    const deals = syntheticDeals({ n: 2000, seed: 12, signal: true })
    await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(deals)), '--db', db)
    const closes = deals
      .filter((d) => d.outcome !== 'open' && d.closed_date !== null)
      .map((d) => d.closed_date as string)
      .sort()
    const asOf = closes[30] as string
    const before = closes.filter((c) => c <= asOf).length
    const last = closes[closes.length - 1] as string
    const train = await runCli('train', '--db', db, '--as-of', asOf)
    expect(train.code).toBe(1)
    expect(train.stderr).toContain(
      `Only ${before} closed deals by ${asOf} that are not stale were found; the model needs at least 100 to train and test. The store holds ${formatCount(closes.length - before)} more deals closed after ${asOf} (the last on ${last}): train as of a later day, such as ${last}, to include them.`,
    )
  })

  it('says plainly in text that scores are segment base rates when the model is not informative', async () => {
    const db = join(tempDir(), 'p.db')
    const deals = syntheticDeals({ n: 2000, seed: 13, signal: false })
    await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(deals)), '--db', db)
    const train = await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(train.stdout).toMatch(/^NOT informative\./m)
    const score = await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(score.stdout).toMatch(/SEGMENT BASE RATES, NOT PREDICTIONS/)
    const id = deals.find((d) => d.outcome === 'open')?.deal_id ?? ''
    const deal = await runCli('deal', id, '--db', db, '--as-of', FIXTURE_AS_OF)
    expect(deal.stdout).toMatch(/win rate of similar deals \d+% \(not a prediction/)
  })

  it('a model trained looking back does not replace the current one; a model as of a day after today is refused', async () => {
    const db = join(tempDir(), 'p.db')
    await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(syntheticDeals({ n: 2000, seed: 12, signal: true }))), '--db', db)
    const current = JSON.parse((await runCli('train', '--db', db, '--json')).stdout)
    expect(current).toMatchObject({ modelId: 1, currentModelId: 1 })
    const back = await runCli('train', '--db', db, '--as-of', '2023-06-30')
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toContain(
      'Model 2 was trained looking back (as of 2023-06-30); model 1, trained as of a later day, stays the current model',
    )
    expect(back.stdout).toContain(`\`pulse score --as-of 2023-06-30 --db ${db}\` scores with it.`)
    expect(JSON.parse((await runCli('score', '--db', db, '--json')).stdout).modelId).toBe(1)
    // A look back scores with the model of that day, not one that learned from later closes.
    expect(JSON.parse((await runCli('score', '--db', db, '--as-of', '2023-06-30', '--json')).stdout).modelId).toBe(2)
    expect(JSON.parse((await runCli('score', '--db', db, '--as-of', '2023-06-30', '--json')).stdout).modelNote).toBeUndefined()
    // Before any model's data ends: the current model scores, saying it learned from later outcomes.
    const before = await runCli('score', '--db', db, '--as-of', '2023-03-01', '--json')
    expect(before.code, before.stderr).toBe(0)
    const scoredBefore = JSON.parse(before.stdout) as { modelId: number; modelNote: string }
    expect(scoredBefore.modelId).toBe(1)
    expect(scoredBefore.modelNote).toMatch(/^Model 1 \(trained as of \d{4}-\d{2}-\d{2}\) learned from deals closed after 2023-03-01/)
    expect(scoredBefore.modelNote).toContain(`run \`pulse train --as-of 2023-03-01 --db ${db}\` to score that day`)
    expect((await runCli('score', '--db', db, '--as-of', '2023-03-01')).stdout).toContain('learned from deals closed after 2023-03-01')
    const ahead = await runCli('train', '--db', db, '--as-of', '2099-01-01')
    expect(ahead.code).toBe(1)
    expect(ahead.stderr).toMatch(/--as-of 2099-01-01 is after today \(\d{4}-\d{2}-\d{2}\)/)
  })

  it('once the newest test fails, scores stop presenting an older model as predictions', async () => {
    const db = join(tempDir(), 'p.db')
    const planted = syntheticDeals({ n: 2000, seed: 12, signal: true })
    await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(planted)), '--db', db)
    expect(JSON.parse((await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF, '--json')).stdout).informative).toBe(true)
    // The same deals re-imported without the signal: the retrained model no longer beats the base rate.
    await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(syntheticDeals({ n: 2000, seed: 13, signal: false }))), '--db', db)
    const retrain = await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF, '--json')
    expect(JSON.parse(retrain.stdout)).toMatchObject({ modelId: 2, informative: false })
    const score = await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF, '--json')
    const s = JSON.parse(score.stdout)
    expect(s).toMatchObject({ modelId: 2, informative: false })
    expect(s.deals.length).toBeGreaterThan(0)
    expect(s.deals.every((d: { basis: string }) => d.basis === 'segment')).toBe(true)
    expect((await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF)).stdout).toMatch(/SEGMENT BASE RATES, NOT PREDICTIONS/)
  })
})

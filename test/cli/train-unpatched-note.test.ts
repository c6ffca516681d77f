import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatTrainResult } from '../../src/cli/commands/run-train-command.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, FIXTURE_AS_OF, syntheticDeals } from '../model/model-fixtures.js'

describe('pulse train without the ml-cart patch', () => {
  it('says how to apply the patch (patch-package is a regular dependency, so dev dependencies are not the cause)', async () => {
    const db = join(tempDir(), 'p.db')
    const deals = syntheticDeals({ n: 600, seed: 5, signal: true })
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(deals)), '--db', db)).code).toBe(0)
    const t = JSON.parse((await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF, '--json')).stdout)
    const text = formatTrainResult({ ...t, params: { ...t.params, splitSearch: 'original' } })
    expect(text).toContain('Note: the ml-cart patch is not applied (an install with --ignore-scripts skips it: run `npx patch-package`')
    expect(text).not.toContain('dev dependencies')
  })
})

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const dir = tempDir()
const db = join(dir, 'pulse.db')

beforeAll(async () => {
  const sample = writeSampleFiles({ out: join(dir, 'deals.csv'), deals: 1500, seed: 7, asOf: '2025-06-30' })
  const run = await runCli('ingest', '--csv', sample.csv, '--db', db)
  expect(run.code).toBe(0)
}, 60_000)

describe('pulse report --png', () => {
  it.each(['winrate', 'losses', 'funnel', 'drivers', 'stalled'])('%s writes a decodable PNG and keeps --json output pure', async (name) => {
    const file = join(dir, `${name}.png`)
    const run = await runCli('report', name, '--db', db, '--as-of', '2025-06-30', '--json', '--png', file)
    expect(run.code).toBe(0)
    expect(() => JSON.parse(run.stdout)).not.toThrow()
    expect(run.stderr).toContain(`Chart written to ${file}`)
    const png = PNG.sync.read(readFileSync(file))
    expect(png.width).toBeGreaterThan(400)
    expect(png.height).toBeGreaterThan(200)
  })

  it('says what to do when the chart cannot be written', async () => {
    const run = await runCli('report', 'losses', '--db', db, '--as-of', '2025-06-30', '--png', join(dir, 'missing', 'x.png'))
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/Cannot write the chart to .*Check that the folder exists/)
  })

  it('says to name a file, not to check the folder, when --png names an existing folder', async () => {
    const run = await runCli('report', 'losses', '--db', db, '--as-of', '2025-06-30', '--png', dir)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(
      `Cannot write the chart to ${dir}: it is a folder. Give the path of the PNG file to write, for example --png ${join(dir, 'losses.png')}.`,
    )
    expect(run.stderr).not.toContain('Check that the folder exists')
  })
})

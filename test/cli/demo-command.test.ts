import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { DEMO_AS_OF, runDemo } from '../../src/demo/run-demo.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

describe('pulse demo', () => {
  it.each([
    [['--deals', 'abc'], '--deals "abc" is not a whole number of at least 500'],
    [['--deals', '10'], '--deals "10" is not a whole number of at least 500'],
    [['--as-of', '2024-02-30'], '--as-of "2024-02-30" is not a date'],
    [['--out', writeTempFile('f.txt', 'x')], 'is a file, not a folder'],
  ])('refuses %j in plain words before creating its database', async (args, message) => {
    const db = join(tempDir(), 'demo.db')
    const run = await runCli('demo', '--db', db, '--out', join(tempDir(), 'out'), ...args)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(message)
    expect(run.stderr).not.toContain('went wrong on our side')
    expect(existsSync(db)).toBe(false)
  })
})

describe('runDemo', () => {
  it('lists the least healthy high-value open deals with their name, amount and stage, and writes every file it names', async () => {
    const store = await openStore({ path: ':memory:' })
    try {
      const config = loadConfig({})
      const result = await runDemo(store, {
        outDir: join(tempDir(), 'out'),
        asOf: DEMO_AS_OF,
        seed: 'demo-test',
        deals: 1500,
        config,
        progress: () => {},
      })
      expect(result.atRisk.length).toBeGreaterThan(0)
      expect(result.atRisk.length).toBeLessThanOrEqual(5)
      const health = result.atRisk.map((d) => d.healthScore)
      expect(health).toEqual([...health].sort((a, b) => a - b))
      const open = await store.db.selectFrom('deals').select(['deal_id', 'amount', 'stage']).where('outcome', '=', 'open').execute()
      const byId = new Map(open.map((d) => [d.deal_id, d]))
      for (const d of result.atRisk) {
        expect(d.amount).toBeGreaterThanOrEqual(config.alertAmount)
        expect(byId.get(d.dealId)).toMatchObject({ amount: d.amount, stage: d.stage })
        expect(result.text).toContain(`${d.dealId} (`)
      }
      // No scored high-value deal left out is less healthy than the last one listed.
      const listed = new Set(result.atRisk.map((d) => d.dealId))
      const worst = Math.max(...health)
      const missed = result.scores.deals.filter(
        (s) => !listed.has(s.dealId) && (byId.get(s.dealId)?.amount ?? 0) >= config.alertAmount && s.healthScore < worst,
      )
      expect(missed).toEqual([])
      for (const file of result.files) expect(existsSync(file)).toBe(true)
      // Findings are marked as every report marks them: * significant, - context.
      expect(result.summary.findings.some((f) => f.significant)).toBe(true)
      for (const f of result.summary.findings) expect(result.text).toContain(`  ${f.significant ? '*' : '-'} ${f.text}`)
    } finally {
      await store.close()
    }
  }, 60_000)
})

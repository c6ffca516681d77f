import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { addDays, todayIn } from '../../src/domain/dates.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, FIXTURE_AS_OF, syntheticDeals } from './model-fixtures.js'

describe('pulse score / deal --as-of', () => {
  it('scores only deals that existed on the as-of date, and says so for a deal created after it', async () => {
    const db = join(tempDir(), 'p.db')
    const deals = syntheticDeals({ n: 1500, seed: 21, signal: true })
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(deals)), '--db', db)).code).toBe(0)
    expect((await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF)).code).toBe(0)
    const earlier = addDays(FIXTURE_AS_OF, -45)
    // Scores as of a past day come from a model trained on the deals closed by then.
    expect((await runCli('train', '--db', db, '--as-of', earlier)).code).toBe(0)

    const open = deals.filter((d) => d.outcome === 'open')
    const existed = open.filter((d) => d.created_date <= earlier)
    const later = open.filter((d) => d.created_date > earlier)
    expect(existed.length).toBeGreaterThan(0)
    expect(later.length).toBeGreaterThan(0)

    const score = await runCli('score', '--db', db, '--as-of', earlier, '--json')
    expect(score.code).toBe(0)
    const s = JSON.parse(score.stdout) as { asOf: string; deals: Array<{ dealId: string }> }
    expect(s.asOf).toBe(earlier)
    expect(s.deals.map((d) => d.dealId).sort()).toEqual(existed.map((d) => d.deal_id).sort())
    // Deals open that day and closed since are not scored, and the count says so.
    const closedSince = deals.filter((d) => d.created_date <= earlier && d.closed_date !== null && d.closed_date > earlier).length
    expect(closedSince).toBeGreaterThan(0)
    expect((s as unknown as { closedSince: number }).closedSince).toBe(closedSince)
    expect((await runCli('score', '--db', db, '--as-of', earlier)).stdout).toContain(
      `${closedSince} deals open on ${earlier} have closed since and are not scored: the store keeps each deal as it is now, not as it was then.`,
    )
    expect(JSON.parse((await runCli('score', '--db', db, '--as-of', FIXTURE_AS_OF, '--json')).stdout).closedSince).toBe(0)

    const future = later[0]?.deal_id as string
    const deal = await runCli('deal', future, '--db', db, '--as-of', earlier, '--json')
    expect(deal.code).toBe(0)
    const d = JSON.parse(deal.stdout)
    expect(d).toMatchObject({ dealId: future, asOf: earlier, winProbability: null, healthScore: null })
    expect(d.reasons[0]).toMatch(new RegExp(`^Created on \\d{4}-\\d{2}-\\d{2}, after ${earlier}`))
    const text = await runCli('deal', future, '--db', db, '--as-of', earlier)
    expect(text.stdout).not.toMatch(/Health \d+\/100/)
  })

  it("stores today's scores, and a look back with --as-of leaves them as they were", async () => {
    const config = loadConfig()
    const today = config.asOf ?? todayIn(config.timezone)
    const db = join(tempDir(), 'p.db')
    const deals = syntheticDeals({ n: 1500, seed: 22, signal: true })
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', dealsCsv(deals)), '--db', db)).code).toBe(0)
    expect((await runCli('train', '--db', db)).code).toBe(0)
    const stored = async () => {
      const store = await openStore({ path: db })
      try {
        return await store.db.selectFrom('deal_scores').select(['deal_id', 'as_of', 'health_score']).orderBy('deal_id').execute()
      } finally {
        await store.close()
      }
    }

    const scored = JSON.parse((await runCli('score', '--db', db, '--json')).stdout) as { stored: boolean; deals: unknown[] }
    expect(scored.stored).toBe(true)
    const live = await stored()
    expect(live.length).toBe(scored.deals.length)
    expect(new Set(live.map((r) => r.as_of))).toEqual(new Set([today]))

    const back = addDays(FIXTURE_AS_OF, -45)
    expect((await runCli('train', '--db', db, '--as-of', back)).code).toBe(0)
    for (const asOf of [back, addDays(today, 30)]) {
      const look = JSON.parse((await runCli('score', '--db', db, '--as-of', asOf, '--json')).stdout) as { stored: boolean }
      expect(look.stored, asOf).toBe(false)
      expect(await stored(), asOf).toEqual(live)
    }
    // Before any model's data ends: scored with the current model, saying so, and not stored either.
    const early = await runCli('score', '--db', db, '--as-of', '2020-01-01')
    expect(early.code, early.stderr).toBe(0)
    expect(early.stdout).toContain('learned from deals closed after 2020-01-01')
    expect(await stored()).toEqual(live)
    const text = await runCli('score', '--db', db, '--as-of', back)
    expect(text.stdout).toContain(`Not stored: these scores are as of ${back}, not today (${today})`)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'
let db: string

beforeAll(async () => {
  const dir = tempDir()
  const csv = `${dir}/deals.csv`
  writeSampleFiles({ out: csv, seed: 7, asOf: AS_OF, deals: 3000 })
  db = `${dir}/pulse.db`
  const ingest = await runCli('ingest', '--csv', csv, '--db', db)
  expect(ingest.code).toBe(0)
})

afterAll(() => {
  process.exitCode = 0
})

describe('pulse report', () => {
  it('winrate --json prints the contract shape and nothing else', async () => {
    const run = await runCli('report', 'winrate', '--db', db, '--as-of', AS_OF, '--json', '--months', '6')
    expect(run.code).toBe(0)
    const r = JSON.parse(run.stdout)
    expect(r.asOf).toBe(AS_OF)
    expect(r.months).toHaveLength(6)
    for (const m of r.months) {
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining(['month', 'won', 'lost', 'winRate', 'center', 'lcl', 'ucl', 'partial', 'anomaly']),
      )
      expect(m.month).toMatch(/^\d{4}-\d{2}$/)
      if (m.winRate !== null) expect(m.winRate).toBeLessThanOrEqual(1)
    }
    expect(r.months.at(-1)).toMatchObject({ month: '2024-07', partial: true, anomaly: null })
  })

  it('losses, funnel, drivers and stalled --json follow the contract shapes', async () => {
    const json = async (name: string, ...extra: string[]) => {
      const run = await runCli('report', name, '--db', db, '--as-of', AS_OF, '--json', ...extra)
      expect(run.code, run.stderr).toBe(0)
      return JSON.parse(run.stdout)
    }
    const losses = await json('losses')
    expect(Object.keys(losses.stages[0])).toEqual(expect.arrayContaining(['stage', 'lost', 'lostAmount', 'share']))
    expect(losses.stages[0].lost).toBeGreaterThanOrEqual(losses.stages[1].lost)
    const funnel = await json('funnel')
    expect(funnel.stages.map((s: { stage: string }) => s.stage)).toEqual(['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'])
    expect(Object.keys(funnel.stages[0])).toEqual(expect.arrayContaining(['stage', 'reached', 'advanced', 'conversion']))
    const drivers = await json('drivers')
    expect(drivers.overallWinRate).toBeGreaterThan(0)
    const seg = drivers.segments.find(
      (s: { segment: Record<string, string> }) => s.segment.amount_band === '50k-100k' && s.segment.region === 'EMEA',
    )
    expect(Object.keys(seg)).toEqual(
      expect.arrayContaining(['segment', 'n', 'won', 'winRate', 'lift', 'ciLow', 'ciHigh', 'pValue', 'qValue', 'significant']),
    )
    const stalled = await json('stalled', '--limit', '3')
    expect(stalled.stalled.length).toBeLessThanOrEqual(3)
    expect(Object.keys(stalled.stalled[0])).toEqual(expect.arrayContaining(['dealId', 'ownerEmail', 'amount', 'stage', 'daysIdle']))
    expect(Object.keys(stalled.stale)).toEqual(expect.arrayContaining(['count', 'amount']))
  })

  it('prints a table and the findings as text, with --where filters', async () => {
    const run = await runCli('report', 'winrate', '--db', db, '--as-of', AS_OF, '--where', 'region=EMEA')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Win rate by closed month (as of 2024-07-20, region=EMEA)')
    expect(run.stdout).toMatch(/month\s+won\s+lost\s+win rate/)
    expect(run.stdout).toContain('partial')
    const summary = await runCli('report', 'summary', '--db', db, '--as-of', AS_OF)
    expect(summary.stdout).toMatch(/^What changed/)
  })

  it('refuses a bad filter, and an empty database, with a next step', async () => {
    const bad = await runCli('report', 'drivers', '--db', db, '--where', 'colour=red')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('use field=value with a field among region, industry')
    const empty = await runCli('report', 'winrate', '--db', `${tempDir()}/empty.db`)
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain('pulse ingest --csv FILE')
  })
})

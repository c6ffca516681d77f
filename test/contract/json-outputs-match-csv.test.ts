import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

// contract.md, "JSON shapes (--json)": the figures an outside check computes from the CSV it
// imported (won and lost by closed month, losses by the stage lost at, segment counts and lift,
// the amount bands) are the figures the JSON carries, with the contract's field names and types.
const AS_OF = '2024-07-20'
const BANDS = ['<10k', '10k-50k', '50k-100k', '100k+']

interface Row {
  [column: string]: string
}

let db: string
let rows: Row[]
let closed: Row[]

function band(amount: number): string {
  return amount < 10_000 ? '<10k' : amount < 50_000 ? '10k-50k' : amount < 100_000 ? '50k-100k' : '100k+'
}

async function json(...args: string[]) {
  const run = await runCli(...args, '--db', db, '--as-of', AS_OF, '--json')
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout)
}

function isNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v)
}

function isFraction(v: unknown): boolean {
  return isNumber(v) && (v as number) >= 0 && (v as number) <= 1
}

beforeAll(async () => {
  const dir = tempDir()
  const csv = join(dir, 'deals.csv')
  writeSampleFiles({ out: csv, seed: 3, asOf: AS_OF, deals: 1500 })
  db = join(dir, 'pulse.db')
  expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
  // The sample writes no quoted values, so a split on commas reads it.
  const [header, ...lines] = readFileSync(csv, 'utf8').trimEnd().split('\n')
  const names = (header as string).split(',')
  rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])))
  closed = rows.filter((r) => r.outcome !== 'Open' && (r.closed_date as string) <= AS_OF)
})

afterAll(() => {
  process.exitCode = 0
})

describe('contract: --json figures agree with the imported CSV', () => {
  it('report winrate: won and lost by closed month, YYYY-MM months, the as-of month partial', async () => {
    const r = await json('report', 'winrate', '--months', '24')
    expect(r.asOf).toBe(AS_OF)
    expect(r.months.at(-1)).toMatchObject({ month: '2024-07', partial: true, anomaly: null })
    for (const m of r.months) {
      const inMonth = closed.filter((d) => d.closed_date?.startsWith(m.month))
      expect([m.month, m.won, m.lost]).toEqual([
        m.month,
        inMonth.filter((d) => d.outcome === 'Won').length,
        inMonth.filter((d) => d.outcome === 'Lost').length,
      ])
      expect(m.winRate === null || isFraction(m.winRate)).toBe(true)
      expect([null, 'low', 'high']).toContain(m.anomaly)
      expect(typeof m.partial).toBe('boolean')
    }
  })

  it('report losses: lost deals and amounts by the stage lost at, largest first, shares as fractions', async () => {
    const r = await json('report', 'losses')
    const lost = closed.filter((d) => d.outcome === 'Lost')
    const expected = new Map<string, { lost: number; amount: number }>()
    for (const d of lost) {
      const e = expected.get(d.deal_stage as string) ?? { lost: 0, amount: 0 }
      expected.set(d.deal_stage as string, { lost: e.lost + 1, amount: e.amount + Number(d.deal_amount) })
    }
    expect(r.stages.map((s: { stage: string }) => s.stage).sort()).toEqual([...expected.keys()].sort())
    for (const [i, s] of r.stages.entries()) {
      expect(s).toMatchObject({ lost: expected.get(s.stage)?.lost, lostAmount: expected.get(s.stage)?.amount })
      expect(s.share).toBeCloseTo(s.lost / lost.length, 12)
      if (i > 0) expect(s.lost).toBeLessThanOrEqual(r.stages[i - 1].lost)
    }
  })

  it('report drivers: segment n, won and lift against all other closed deals, with the contract bands', async () => {
    const r = await json('report', 'drivers')
    const won = closed.filter((d) => d.outcome === 'Won').length
    expect(r.overallWinRate).toBeCloseTo(won / closed.length, 12)
    const fieldValue = (d: Row, field: string) => (field === 'amount_band' ? band(Number(d.deal_amount)) : d[field])
    const fields = new Set<string>()
    for (const s of r.segments) {
      for (const [field, value] of Object.entries(s.segment)) {
        fields.add(field)
        if (field === 'amount_band') expect(BANDS).toContain(value)
      }
      const inside = closed.filter((d) => Object.entries(s.segment).every(([f, v]) => fieldValue(d, f) === v))
      const insideWon = inside.filter((d) => d.outcome === 'Won').length
      expect([s.segment, s.n, s.won]).toEqual([s.segment, inside.length, insideWon])
      const othersRate = (won - insideWon) / (closed.length - inside.length)
      if (othersRate > 0) expect(s.lift).toBeCloseTo(insideWon / inside.length / othersRate, 10)
      for (const f of ['winRate', 'ciLow', 'ciHigh', 'pValue', 'qValue']) expect(isFraction(s[f]), f).toBe(true)
      expect(typeof s.significant).toBe('boolean')
    }
    expect([...fields].sort()).toEqual(['amount_band', 'industry', 'lead_source', 'product_type', 'region', 'sales_rep_id'])
    expect(r.segments.some((s: { segment: object }) => Object.keys(s.segment).length === 2)).toBe(true)
  })

  it('train, score, deal and alerts --dry-run: the contract fields with numbers as numbers', async () => {
    const train = await json('train')
    for (const f of ['auc', 'aucLow', 'aucHigh', 'brier', 'baselineBrier', 'accuracy', 'baselineAccuracy']) {
      expect(isFraction(train[f]), f).toBe(true)
    }
    expect(train).toMatchObject({ modelId: expect.any(Number), nTrain: expect.any(Number), nTest: expect.any(Number) })
    expect(typeof train.trainedAt).toBe('string')
    expect(train.split).toBeDefined()
    expect(typeof train.informative).toBe('boolean')

    const score = await json('score')
    expect(score).toMatchObject({ modelId: train.modelId, asOf: AS_OF })
    expect(score.deals).toHaveLength(rows.filter((d) => d.outcome === 'Open').length)
    for (const d of score.deals) {
      expect(isFraction(d.winProbability)).toBe(true)
      expect(Number.isInteger(d.healthScore) && d.healthScore >= 0 && d.healthScore <= 100).toBe(true)
      expect(d.reasons.every((x: unknown) => typeof x === 'string')).toBe(true)
    }

    const first = score.deals[0]
    const deal = await json('deal', first.dealId)
    expect(deal).toMatchObject(first)
    expect(deal.amount).toBe(Number(rows.find((d) => d.deal_id === first.dealId)?.deal_amount))

    const alerts = await json('alerts', '--dry-run')
    const stalled = await json('report', 'stalled')
    expect(alerts.asOf).toBe(AS_OF)
    expect(alerts.alerts.length).toBeGreaterThan(0)
    expect(alerts.alerts).toEqual(
      stalled.stalled.map((s: Record<string, unknown>) => ({
        dealId: s.dealId,
        ownerEmail: s.ownerEmail,
        amount: s.amount,
        stage: s.stage,
        daysIdle: s.daysIdle,
        idleFrom: s.idleFrom,
      })),
    )
    for (const a of alerts.alerts) expect(a.amount >= 50_000 && a.daysIdle >= 14).toBe(true)
  })

  it('a pulse child process prints the JSON alone on stdout', async () => {
    const run = spawnPulse(['report', 'drivers', '--db', db, '--as-of', AS_OF, '--json', '--where', 'region=emea'])
    expect(await run.exited).toBe(0)
    expect(JSON.parse(run.stdout).where).toEqual({ region: 'EMEA' })
    expect(run.stderr).toContain('using "EMEA"')
  }, 60_000)
})

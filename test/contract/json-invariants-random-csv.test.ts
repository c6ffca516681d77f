import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/domain/seeded-random.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

// contract.md, "JSON shapes (--json)", on CSVs of shapes the sample never writes: one deal, all
// open, all won, all lost, zero, huge and fractional amounts, rows out of date order, blank
// optional columns, "as of" before, inside and after the data. Each report's figures are
// recomputed here from the CSV and design.md's "Words", not from our code.
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation']
const DAY = 86_400_000

interface Deal {
  id: string
  created: string
  closed: string
  outcome: 'Won' | 'Lost' | 'Open'
  stage: string
  amount: number
  amountText: string
  region: string
  activity: string
}

interface Shape {
  seed: number
  deals: number
  months: number
  outcomes: ReadonlyArray<Deal['outcome']>
  amounts: 'plain' | 'zero' | 'huge' | 'decimal'
  asOf: 'before' | 'inside' | 'after'
}

const SHAPES: Shape[] = [
  { seed: 1, deals: 1, months: 1, outcomes: ['Won'], amounts: 'plain', asOf: 'after' },
  { seed: 2, deals: 7, months: 2, outcomes: ['Open'], amounts: 'huge', asOf: 'inside' },
  { seed: 3, deals: 40, months: 5, outcomes: ['Lost'], amounts: 'zero', asOf: 'after' },
  { seed: 4, deals: 120, months: 14, outcomes: ['Won', 'Lost', 'Open'], amounts: 'decimal', asOf: 'inside' },
  { seed: 5, deals: 300, months: 30, outcomes: ['Won', 'Lost', 'Lost', 'Open'], amounts: 'plain', asOf: 'inside' },
  { seed: 6, deals: 25, months: 3, outcomes: ['Won', 'Lost'], amounts: 'huge', asOf: 'before' },
]

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

function band(amount: number): string {
  return amount < 10_000 ? '<10k' : amount < 50_000 ? '10k-50k' : amount < 100_000 ? '50k-100k' : '100k+'
}

function generate(shape: Shape): { deals: Deal[]; asOf: string } {
  const r = seededRandom(shape.seed)
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(r() * xs.length)] as T
  const start = Date.UTC(2023, 0, 1) + Math.floor(r() * 300) * DAY
  const span = shape.months * 30 * DAY
  const deals: Deal[] = []
  for (let i = 0; i < shape.deals; i++) {
    const created = start + Math.floor(r() * span)
    const outcome = pick(shape.outcomes)
    const closed = outcome === 'Open' ? '' : day(created + Math.floor(r() * 90) * DAY)
    const amount =
      shape.amounts === 'zero'
        ? 0
        : shape.amounts === 'huge'
          ? pick([1e15, 123_456_789_012, 60_000])
          : shape.amounts === 'decimal'
            ? Math.round(r() * 150_000_00) / 100
            : pick([9_999.5, 10_000, 49_999.99, 50_000, 100_000, Math.floor(r() * 200_000)])
    const last = closed === '' ? created + span : Date.parse(closed)
    deals.push({
      id: `R${shape.seed}-${i}`,
      created: day(created),
      closed,
      outcome,
      stage: pick(STAGES),
      amount,
      amountText: String(amount),
      region: pick(['EMEA', 'NA', 'APAC']),
      // Blank for one deal in five: days idle then run from the creation.
      activity: r() < 0.2 ? '' : day(created + Math.floor(r() * ((last - created) / DAY + 1)) * DAY),
    })
  }
  // Out of date order, as exports often are.
  deals.sort(() => r() - 0.5)
  const first = Math.min(...deals.map((d) => Date.parse(d.created)))
  const asOf =
    shape.asOf === 'before' ? day(first - 20 * DAY) : shape.asOf === 'inside' ? day(start + span / 2) : day(start + span + 200 * DAY)
  return { deals, asOf }
}

function csvOf(deals: Deal[]): string {
  const head =
    'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email'
  const lines = deals.map((d, i) =>
    [
      d.id,
      d.created,
      d.closed,
      `rep_${i % 4}`,
      i % 2 ? 'SaaS' : 'Health',
      d.region,
      i % 3 ? 'Core' : 'Pro',
      'Inbound',
      d.stage,
      d.amountText,
      d.outcome,
      d.activity,
      '',
    ].join(','),
  )
  return `${head}\n${lines.join('\n')}\n`
}

function isFraction(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1
}

afterAll(() => {
  process.exitCode = 0
})

describe('contract: --json invariants on random CSVs of unusual shapes', () => {
  for (const shape of SHAPES) {
    it(`${shape.deals} deals over ${shape.months} months, ${shape.outcomes.join('/')}, ${shape.amounts} amounts, as of ${shape.asOf} the data`, async () => {
      const { deals, asOf } = generate(shape)
      const dir = tempDir()
      const csv = join(dir, 'deals.csv')
      const db = join(dir, 'pulse.db')
      writeFileSync(csv, csvOf(deals))
      expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
      const json = async (...args: string[]) => {
        const run = await runCli(...args, '--db', db, '--as-of', asOf, '--json')
        expect(run.code, run.stderr).toBe(0)
        return JSON.parse(run.stdout)
      }
      const closed = deals.filter((d) => d.outcome !== 'Open' && d.closed <= asOf)
      const won = closed.filter((d) => d.outcome === 'Won').length

      const winrate = await json('report', 'winrate', '--months', '36')
      for (const m of winrate.months) {
        expect(m.month).toMatch(/^\d{4}-\d{2}$/)
        const inMonth = closed.filter((d) => d.closed.startsWith(m.month))
        const w = inMonth.filter((d) => d.outcome === 'Won').length
        expect([m.month, m.won, m.lost]).toEqual([m.month, w, inMonth.length - w])
        expect(m.winRate).toBe(inMonth.length === 0 ? null : w / inMonth.length)
        if (m.lcl !== null || m.ucl !== null) {
          expect([m.lcl, m.center, m.ucl].every(isFraction)).toBe(true)
          expect(m.lcl <= m.center && m.center <= m.ucl).toBe(true)
        }
        expect(m.partial).toBe(m.month === asOf.slice(0, 7))
        if (m.partial) expect(m.anomaly).toBeNull()
      }
      expect(winrate.months.at(-1).month).toBe(asOf.slice(0, 7))

      const losses = await json('report', 'losses')
      const lost = closed.filter((d) => d.outcome === 'Lost')
      expect(losses.stages.reduce((n: number, s: { lost: number }) => n + s.lost, 0)).toBe(lost.length)
      for (const [i, s] of losses.stages.entries()) {
        const at = lost.filter((d) => d.stage === s.stage)
        expect([s.stage, s.lost]).toEqual([s.stage, at.length])
        expect(s.lostAmount).toBeCloseTo(
          at.reduce((t, d) => t + d.amount, 0),
          2,
        )
        expect(s.share).toBeCloseTo(s.lost / lost.length, 12)
        if (i > 0) expect(s.lost).toBeLessThanOrEqual(losses.stages[i - 1].lost)
      }

      const funnel = await json('report', 'funnel')
      expect(funnel.stages.map((s: { stage: string }) => s.stage).slice(0, STAGES.length)).toEqual(STAGES)
      for (const [i, s] of funnel.stages.entries()) {
        expect(s.advanced).toBeLessThanOrEqual(s.reached)
        expect(s.conversion).toBe(s.reached === 0 ? null : s.advanced / s.reached)
        if (i > 0) expect(s.reached).toBeLessThanOrEqual(funnel.stages[i - 1].reached)
      }

      const drivers = await json('report', 'drivers')
      expect(drivers.overallWinRate).toBe(closed.length === 0 ? null : won / closed.length)
      for (const s of drivers.segments) {
        const value = (d: Deal, f: string) => (f === 'amount_band' ? band(d.amount) : d.region)
        const fields = Object.keys(s.segment)
        // The other fields follow each row's place in the file; the amount band and region are recomputed.
        if (!fields.every((f) => f === 'amount_band' || f === 'region')) continue
        const inside = closed.filter((d) => fields.every((f) => value(d, f) === s.segment[f]))
        const w = inside.filter((d) => d.outcome === 'Won').length
        expect([s.segment, s.n, s.won]).toEqual([s.segment, inside.length, w])
        expect(s.winRate).toBeCloseTo(w / inside.length, 12)
        expect(s.ciLow <= s.winRate && s.winRate <= s.ciHigh).toBe(true)
        expect(s.qValue).toBeGreaterThanOrEqual(s.pValue)
        if (s.significant) expect(s.qValue < 0.05 && s.n >= 30 && closed.length - s.n >= 30).toBe(true)
        const others = (won - w) / (closed.length - inside.length)
        if (others > 0) expect(s.lift).toBeCloseTo(w / inside.length / others, 10)
        else expect(s.lift).toBeNull()
      }

      const stalled = await json('report', 'stalled')
      const openThen = deals.filter((d) => d.created <= asOf && (d.outcome === 'Open' || d.closed > asOf))
      const expected = openThen.filter((d) => {
        const from = d.activity || d.created
        return from <= asOf && d.amount >= 50_000 && (Date.parse(asOf) - Date.parse(from)) / DAY >= 14
      })
      expect(stalled.stalled.map((s: { dealId: string }) => s.dealId).sort()).toEqual(expected.map((d) => d.id).sort())
      for (const s of stalled.stalled) expect(Number.isInteger(s.daysIdle) && s.daysIdle >= 14 && s.amount >= 50_000).toBe(true)
      const stale = openThen.filter((d) => {
        const from = d.activity || d.created
        return from <= asOf && (Date.parse(asOf) - Date.parse(from)) / DAY > 30
      })
      expect(stalled.stale.count).toBe(stale.length)
      expect(stalled.stale.amount).toBeCloseTo(
        stale.reduce((t, d) => t + d.amount, 0),
        2,
      )
    })
  }
})

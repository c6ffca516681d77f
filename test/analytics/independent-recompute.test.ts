import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'
import {
  type OracleDeal,
  oracleBand,
  oracleDrivers,
  oracleFunnel,
  oracleLosses,
  oracleStalled,
  oracleWinrate,
  readOracleDeals,
  segmentKey,
} from './independent-oracle.js'

// `pulse report ... --json` compared field by field with an independent recomputation from the
// CSV (test/analytics/independent-oracle.ts), the way an outside check reads the contract.

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date'
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation']
const REGIONS = ['EMEA', 'NA', 'APAC']
const AMOUNTS = [9_999.99, 10_000, 49_999.99, 50_000, 99_999.99, 100_000, 25_000]

const lastDay = (month: string) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10)

function closedRows(month: string, won: number, lost: number, day?: string): string[] {
  const date = day ?? lastDay(month)
  const rows: string[] = []
  for (let i = 0; i < won + lost; i++) {
    const outcome = i < won ? 'Won' : 'Lost'
    const stage = i < won ? 'Closed' : STAGES[i % 4]
    rows.push(
      [
        `${month}-${i}`,
        `${month}-01`,
        date,
        `rep_${i % 5}`,
        'SaaS',
        REGIONS[i % 3],
        'Core',
        'Inbound',
        stage,
        AMOUNTS[i % 7],
        outcome,
        date,
        date,
      ].join(','),
    )
  }
  return rows
}

async function reports(csv: string, asOf: string, months: number, where: string[] = []) {
  const db = `${tempDir()}/pulse.db`
  const ingest = await runCli('ingest', '--csv', csv, '--db', db)
  expect(ingest.code, ingest.stderr).toBe(0)
  const run = async (...args: string[]) => {
    const r = await runCli('report', ...args, ...where, '--db', db, '--as-of', asOf, '--json')
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout)
  }
  return {
    winrate: await run('winrate', '--months', String(months)),
    drivers: await run('drivers'),
    losses: await run('losses'),
    funnel: await run('funnel'),
    stalled: await run('stalled', '--limit', '0'),
  }
}

function expectClose(actual: number | null, expected: number | null, label: string, digits = 9) {
  if (expected === null || actual === null) {
    expect(actual, label).toBe(expected)
    return
  }
  expect(Math.abs(actual - expected), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    10 ** -digits * Math.max(1, Math.abs(expected)),
  )
}

function compareAll(r: Awaited<ReturnType<typeof reports>>, deals: OracleDeal[], asOf: string, months: number, fixed: string[] = []) {
  // win rate, month by month
  const want = oracleWinrate(deals, asOf, months)
  expect(r.winrate.months.map((m: { month: string }) => m.month)).toEqual(want.map((m) => m.month))
  for (const [i, w] of want.entries()) {
    const got = r.winrate.months[i]
    expect({
      month: got.month,
      won: got.won,
      lost: got.lost,
      partial: got.partial,
      anomaly: got.anomaly,
      limitMethod: got.limitMethod,
    }).toEqual({
      month: w.month,
      won: w.won,
      lost: w.lost,
      partial: w.partial,
      anomaly: w.anomaly,
      limitMethod: w.limitMethod,
    })
    for (const f of ['winRate', 'center', 'lcl', 'ucl'] as const) expectClose(got[f], w[f], `${w.month} ${f}`)
  }
  // drivers, segment by segment
  const d = oracleDrivers(deals, asOf, fixed)
  expectClose(r.drivers.overallWinRate, d.overall, 'overallWinRate')
  expect(r.drivers.segments).toHaveLength(d.segments.size)
  for (const s of r.drivers.segments) {
    const key = segmentKey(s.segment)
    const w = d.segments.get(key)
    expect(w, key).toBeDefined()
    expect({ n: s.n, won: s.won, significant: s.significant }, key).toEqual({ n: w!.n, won: w!.won, significant: w!.significant })
    for (const f of ['winRate', 'lift', 'ciLow', 'ciHigh'] as const) expectClose(s[f], w![f], `${key} ${f}`)
    // p-values: relative agreement (the oracle's normal tail is good to ~1e-7 relative)
    for (const f of ['pValue', 'qValue'] as const)
      expect(Math.abs(s[f] - w![f]), `${key} ${f}`).toBeLessThanOrEqual(1e-6 * Math.max(w![f], 1e-300) + 1e-300)
  }
  // losses
  const losses = oracleLosses(deals, asOf)
  expect(r.losses.stages.map((s: { stage: string; lost: number }) => [s.stage, s.lost])).toEqual(losses.map((s) => [s.stage, s.lost]))
  for (const [i, s] of losses.entries()) {
    expectClose(r.losses.stages[i].lostAmount, s.lostAmount, `${s.stage} lostAmount`)
    expectClose(r.losses.stages[i].share, s.share, `${s.stage} share`)
  }
  // funnel
  const funnel = oracleFunnel(deals, asOf, STAGES, 'Closed')
  expect(r.funnel.stages.map((s: { stage: string; reached: number; advanced: number }) => [s.stage, s.reached, s.advanced])).toEqual(
    funnel.map((s) => [s.stage, s.reached, s.advanced]),
  )
  for (const [i, s] of funnel.entries()) expectClose(r.funnel.stages[i].conversion, s.conversion, `${s.stage} conversion`)
  // stalled and stale
  const st = oracleStalled(deals, asOf)
  expect(
    r.stalled.stalled.map((s: { dealId: string; amount: number; stage: string; daysIdle: number }) => [
      s.dealId,
      s.amount,
      s.stage,
      s.daysIdle,
    ]),
  ).toEqual(st.stalled.map((s) => [s.dealId, s.amount, s.stage, s.daysIdle]))
  expect(r.stalled.stale.count).toBe(st.stale.count)
  expectClose(r.stalled.stale.amount, st.stale.amount, 'stale amount')
}

describe('reports agree with an independent recomputation from the CSV', () => {
  it('on a hand-made CSV: month ends, as-of on the first of a month, band edges, idle and stale boundaries', async () => {
    const asOf = '2024-08-01'
    const open = (id: string, amount: number, activity: string, updated = activity) =>
      [id, '2024-05-01', '', 'rep_0', 'SaaS', 'EMEA', 'Core', 'Inbound', 'Proposal', amount, 'Open', activity, updated].join(',')
    const rows = [
      HEADER,
      ...closedRows('2024-01', 30, 70),
      ...closedRows('2024-02', 30, 70),
      ...closedRows('2024-03', 30, 70),
      ...closedRows('2024-04', 30, 70),
      ...closedRows('2024-05', 15, 85), // low
      ...closedRows('2024-06', 0, 8), // small n: exact binomial limits, within them
      ...closedRows('2024-07', 31, 69), // closed on 31 Jul, the day before as-of
      ...closedRows('2024-08', 0, 40, '2024-08-01'), // partial month: never judged however low
      // closes after as-of: open as of then, not in any win rate
      [
        'late-1',
        '2024-07-01',
        '2024-08-02',
        'rep_0',
        'SaaS',
        'EMEA',
        'Core',
        'Inbound',
        'Closed',
        70000,
        'Won',
        '2024-08-02',
        '2024-08-02',
      ].join(','),
      open('idle-14', 50_000, '2024-07-18'), // exactly 14 days idle at exactly 50,000: stalled
      open('idle-13', 50_000, '2024-07-19'),
      open('small-idle-20', 49_999.99, '2024-07-12'),
      open('stale-30', 20_000, '2024-07-02'), // exactly 30 days: not stale
      open('stale-31', 30_000, '2024-07-01'), // 31 days: stale
      open('big-stale', 120_000, '2024-06-01', '2024-06-10'),
    ]
    const csv = `${tempDir()}/hand.csv`
    const { writeFileSync } = await import('node:fs')
    writeFileSync(csv, `${rows.join('\n')}\n`)
    const deals = readOracleDeals(csv)
    const r = await reports(csv, asOf, 8)
    compareAll(r, deals, asOf, 8)
    // the fixture exercises what it claims to
    const m = Object.fromEntries(r.winrate.months.map((x: { month: string }) => [x.month, x]))
    expect(m['2024-05']).toMatchObject({ anomaly: 'low', limitMethod: 'binomial' })
    expect(m['2024-06']).toMatchObject({ anomaly: null, limitMethod: 'exact-binomial', lcl: 0 })
    expect(m['2024-07']).toMatchObject({ won: 31, lost: 69, anomaly: null })
    expect(m['2024-08']).toMatchObject({ partial: true, anomaly: null, won: 0, lost: 40 })
    expect(r.stalled.stalled.map((s: { dealId: string }) => s.dealId)).toEqual(['big-stale', 'idle-14'])
    expect(r.stalled.stale).toMatchObject({ count: 2, amount: 150_000 })
    expect(oracleBand(10_000)).toBe('10k-50k')
    const bands = r.drivers.segments.filter((s: { segment: object }) => Object.keys(s.segment).join() === 'amount_band')
    expect(bands.map((s: { segment: { amount_band: string }; n: number }) => [s.segment.amount_band, s.n]).sort()).toEqual([
      ['100k+', 90],
      ['10k-50k', 278],
      ['50k-100k', 182],
      ['<10k', 98],
    ])
  })

  it("on an overdispersed history: Laney's limits", async () => {
    const asOf = '2024-07-10'
    const rows = [
      HEADER,
      ...closedRows('2024-01', 10, 90),
      ...closedRows('2024-02', 50, 50),
      ...closedRows('2024-03', 15, 85),
      ...closedRows('2024-04', 45, 55),
      ...closedRows('2024-05', 12, 88),
      ...closedRows('2024-06', 60, 40),
    ]
    const csv = `${tempDir()}/laney.csv`
    const { writeFileSync } = await import('node:fs')
    writeFileSync(csv, `${rows.join('\n')}\n`)
    const r = await reports(csv, asOf, 7)
    compareAll(r, readOracleDeals(csv), asOf, 7)
    const m = Object.fromEntries(r.winrate.months.map((x: { month: string }) => [x.month, x]))
    expect(m['2024-05']).toMatchObject({ limitMethod: 'laney', anomaly: null })
  })

  it.each([
    ['planted', 11],
    ['none', 12],
  ])('on a generated sample (%s, seed %i)', async (patterns, seed) => {
    const asOf = '2024-07-20'
    const csv = `${tempDir()}/sample.csv`
    const s = await runCli('sample', '--out', csv, '--deals', '2500', '--seed', String(seed), '--as-of', asOf, '--patterns', patterns)
    expect(s.code, s.stderr).toBe(0)
    const deals = readOracleDeals(csv)
    const r = await reports(csv, asOf, 24)
    compareAll(r, deals, asOf, 24)
    // filtered to one region: the win rate and the drivers of that region's deals only
    const emea = deals.filter((d) => d.region === 'EMEA')
    const f = await reports(csv, asOf, 24, ['--where', 'region=EMEA'])
    compareAll(f, emea, asOf, 24, ['region'])
    // as of the first of an earlier month (read from the deals, not the rollup): deals closed later are open then
    const p = await reports(csv, '2024-06-01', 12)
    compareAll(p, deals, '2024-06-01', 12)
  })
})

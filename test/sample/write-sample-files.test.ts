import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { amountBand } from '../../src/domain/amount-band.js'
import { daysBetween } from '../../src/domain/dates.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { SAMPLE_CSV_HEADER, SAMPLE_TRUTH_HEADER, type SampleOptions, writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { runCli } from '../helpers/run-cli.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'

/** A CSV row by column name (sample and truth columns). */
interface Row {
  [column: string]: string
  deal_id: string
  created_date: string
  closed_date: string
  sales_rep_id: string
  owner_email: string
  region: string
  lead_source: string
  deal_stage: string
  deal_amount: string
  sales_cycle_days: string
  outcome: string
  last_activity_date: string
  updated_date: string
  stage_entered_date: string
  stage_history: string
  true_win_probability: string
  final_outcome: string
  is_open: string
}

/** Generates a sample and reads it back as objects (the generator never quotes a field). */
function generate(options: Partial<SampleOptions> = {}) {
  const out = join(tempDir(), 'deals.csv')
  const summary = writeSampleFiles({ out, asOf: AS_OF, ...options })
  const read = (path: string): Row[] => {
    const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n')
    const names = (header as string).split(',')
    return lines.map((line) => {
      const values = line.split(',')
      expect(values.length).toBe(names.length)
      return Object.fromEntries(names.map((n, i) => [n, values[i] as string])) as Row
    })
  }
  return { summary, rows: read(out), truth: read(summary.truth), out }
}

const closed = (rows: Row[]) => rows.filter((r) => r.outcome !== 'Open')
const winRate = (rows: Row[]) => rows.filter((r) => r.outcome === 'Won').length / rows.length

/** z statistic of the difference between two groups' win rates (pooled). */
function zDiff(a: Row[], b: Row[]): number {
  const pa = winRate(a)
  const pb = winRate(b)
  const p = (pa * a.length + pb * b.length) / (a.length + b.length)
  return (pa - pb) / Math.sqrt(p * (1 - p) * (1 / a.length + 1 / b.length))
}

/** Closed deals of the last three complete months before AS_OF, and those closed before them. */
function recentVersusEarlier(rows: Row[]) {
  const recent = ['2024-04', '2024-05', '2024-06']
  const done = closed(rows).filter((r) => r.closed_date.slice(0, 7) < '2024-07')
  return {
    recent: done.filter((r) => recent.includes(r.closed_date.slice(0, 7))),
    earlier: done.filter((r) => r.closed_date.slice(0, 7) < '2024-04'),
  }
}

const inSegment = (r: Row) => r.region === 'EMEA' && amountBand(Number(r.deal_amount)) === '50k-100k'
const lostAtShare = (rows: Row[], stage: string) => {
  const lost = rows.filter((r) => r.outcome === 'Lost')
  return lost.filter((r) => r.deal_stage === stage).length / lost.length
}

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describe('writeSampleFiles', () => {
  it('writes byte-identical files for the same seed and different ones for another seed', () => {
    const a = generate({ deals: 800, seed: 7 })
    const b = generate({ deals: 800, seed: 7 })
    const c = generate({ deals: 800, seed: 8 })
    for (const file of ['out', 'truth', 'roster'] as const) {
      const path = (g: typeof a) => (file === 'out' ? g.out : g.summary[file])
      expect(readFileSync(path(b), 'utf8')).toBe(readFileSync(path(a), 'utf8'))
    }
    expect(readFileSync(c.out, 'utf8')).not.toBe(readFileSync(a.out, 'utf8'))
  })

  it('writes the documented columns, 18-24 months of history up to as-of, an open pipeline and 20-40 owners with emails', () => {
    const { rows, summary, out } = generate()
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe(SAMPLE_CSV_HEADER)
    expect(rows).toHaveLength(6000)
    const created = rows.map((r) => r.created_date).sort()
    expect(daysBetween(created[0] as string, AS_OF)).toBeGreaterThanOrEqual(18 * 30)
    expect(daysBetween(created[0] as string, AS_OF)).toBeLessThanOrEqual(24 * 31)
    expect((created[created.length - 1] as string) <= AS_OF).toBe(true)
    expect(rows.every((r) => r.outcome === 'Open' || r.closed_date <= AS_OF)).toBe(true)
    expect(summary.open).toBeGreaterThan(200)
    const owners = new Map(rows.map((r) => [r.sales_rep_id, r.owner_email]))
    expect(owners.size).toBeGreaterThanOrEqual(20)
    expect(owners.size).toBeLessThanOrEqual(40)
    for (const email of owners.values()) expect(email).toMatch(/^[a-z]+\.[a-z]+@acme\.example$/)
    expect(new Set(owners.values()).size).toBe(owners.size)
  })

  it('gives every deal a stage history in stage order that starts when it was created and ends in its current stage', () => {
    const { rows } = generate({ deals: 2000 })
    for (const r of rows) {
      const stays = (r.stage_history as string).split(';').map((e) => e.split('@') as [string, string])
      expect(stays[0]).toEqual(['Qualified', r.created_date])
      const last = stays[stays.length - 1] as [string, string]
      expect(last).toEqual([r.deal_stage, r.stage_entered_date])
      expect(stays.map(([s]) => s)).toEqual(DEFAULT_STAGES.slice(0, stays.length))
      expect(stays.map(([, d]) => d)).toEqual(stays.map(([, d]) => d).sort())
      if (r.outcome === 'Won') expect(last).toEqual(['Closed', r.closed_date])
      if (r.outcome !== 'Won') expect(r.deal_stage).not.toBe('Closed')
      if (r.outcome !== 'Open') expect(Number(r.sales_cycle_days)).toBe(daysBetween(r.created_date, r.closed_date))
    }
  })

  it('never lets a stay end before it starts: stages entered in order and, for closed deals, by the close', () => {
    // Won zombies (quiet mid-cycle, won weeks later) once kept stages dated after their close.
    for (const seed of [2, 5]) {
      const { rows } = generate({ deals: 20_000, seed })
      for (const r of rows) {
        const days = r.stage_history.split(';').map((e) => e.split('@')[1] as string)
        expect(days).toEqual([...days].sort())
        if (r.outcome !== 'Open') expect(days.every((d) => d <= r.closed_date)).toBe(true)
      }
    }
  })

  it('plants a clear win-rate drop over the last three complete months', () => {
    const { recent, earlier } = recentVersusEarlier(generate().rows)
    expect(winRate(earlier)).toBeGreaterThan(0.28)
    expect(winRate(recent)).toBeLessThan(winRate(earlier) - 0.1)
    expect(zDiff(recent, earlier)).toBeLessThan(-5)
  })

  it('plants a segment (EMEA x 50k-100k) that loses far more often than the rest', () => {
    const done = closed(generate().rows)
    const segment = done.filter(inSegment)
    const rest = done.filter((r) => !inSegment(r))
    expect(segment.length).toBeGreaterThan(150)
    expect(winRate(segment)).toBeLessThan(0.2)
    expect(winRate(rest)).toBeGreaterThan(0.28)
    expect(zDiff(segment, rest)).toBeLessThan(-4)
  })

  it('plants late-stage leakage, stalled high-value deals, zombie deals and a lead-source signal', () => {
    const { rows } = generate()
    expect(lostAtShare(rows, 'Negotiation')).toBeGreaterThan(0.45)
    const open = rows.filter((r) => r.outcome === 'Open')
    const idle = (r: Row) => daysBetween(r.last_activity_date as string, AS_OF)
    const highValue = open.filter((r) => Number(r.deal_amount) >= 50_000)
    const stalled = highValue.filter((r) => idle(r) >= 14)
    expect(stalled.length).toBeGreaterThanOrEqual(20)
    expect(stalled.length / highValue.length).toBeGreaterThan(0.2)
    const untouched = (r: Row) => daysBetween(r.last_activity_date > r.updated_date ? r.last_activity_date : r.updated_date, AS_OF)
    const zombies = open.filter((r) => untouched(r) > 30)
    expect(zombies.length / open.length).toBeGreaterThan(0.05)
    const done = closed(rows)
    const bySource = (s: string) => winRate(done.filter((r) => r.lead_source === s))
    expect(bySource('Referral') - bySource('Outbound')).toBeGreaterThan(0.1)
  })

  it('with --patterns none plants nothing: flat win probability, no drop, no weak segment, no concentrated leakage', () => {
    const { rows, truth } = generate({ patterns: 'none' })
    expect(new Set(truth.map((t) => t.true_win_probability))).toEqual(new Set(['0.3000']))
    const { recent, earlier } = recentVersusEarlier(rows)
    expect(Math.abs(zDiff(recent, earlier))).toBeLessThan(3)
    const done = closed(rows)
    expect(
      Math.abs(
        zDiff(
          done.filter(inSegment),
          done.filter((r) => !inSegment(r)),
        ),
      ),
    ).toBeLessThan(3)
    expect(lostAtShare(rows, 'Negotiation')).toBeLessThan(0.25)
    const open = rows.filter((r) => r.outcome === 'Open')
    const stalledShare = (high: boolean) => {
      const group = open.filter((r) => Number(r.deal_amount) >= 50_000 === high)
      return group.filter((r) => daysBetween(r.last_activity_date as string, AS_OF) >= 14).length / group.length
    }
    expect(Math.abs(stalledShare(true) - stalledShare(false))).toBeLessThan(0.1)
  })

  it('with --patterns none keeps the same company for a seed: the same reps, regions, managers and roster', () => {
    for (const seed of [1, 'acme']) {
      const planted = generate({ deals: 3000, seed })
      const flat = generate({ deals: 3000, seed, patterns: 'none' })
      expect(readFileSync(flat.summary.roster, 'utf8')).toBe(readFileSync(planted.summary.roster, 'utf8'))
      const reps = (rows: Row[]) => [...new Set(rows.map((r) => `${r.sales_rep_id} ${r.owner_email} ${r.region}`))].sort()
      expect(reps(flat.rows)).toEqual(reps(planted.rows))
    }
  })

  it('with --patterns none every open stage loses the same share of the closed deals that reach it (no stage is a leak)', () => {
    const { rows } = generate({ patterns: 'none', deals: 40_000, seed: 3 })
    const stages = ['Qualified', 'Demo', 'Proposal', 'Negotiation']
    const furthest = closed(rows).map((r) => (r.outcome === 'Won' ? stages.length : stages.indexOf(r.deal_stage)))
    // Four equal hazards h with (1 - h)^4 = 0.3, the flat win probability.
    const h = 1 - 0.3 ** 0.25
    for (const [i, stage] of stages.entries()) {
      const reached = furthest.filter((f) => f >= i).length
      const lost = furthest.filter((f) => f === i).length
      const z = (lost / reached - h) / Math.sqrt((h * (1 - h)) / reached)
      expect(Math.abs(z), `${stage}: ${lost} of ${reached}`).toBeLessThan(3)
    }
  })

  it('writes a truth file that matches the deals: closed outcomes, open flags and calibrated probabilities', () => {
    const { rows, truth, summary } = generate()
    expect(readFileSync(summary.truth, 'utf8').split('\n')[0]).toBe(SAMPLE_TRUTH_HEADER)
    expect(truth.map((t) => t.deal_id)).toEqual(rows.map((r) => r.deal_id))
    rows.forEach((r, i) => {
      const t = truth[i] as Row
      expect(t.is_open).toBe(r.outcome === 'Open' ? '1' : '0')
      if (r.outcome !== 'Open') expect(t.final_outcome).toBe(r.outcome)
      else expect(['Won', 'Lost']).toContain(t.final_outcome)
      const p = Number(t.true_win_probability)
      expect(p > 0 && p < 1).toBe(true)
    })
    // Outcomes are drawn from the probabilities: observed and expected wins agree.
    const mean = truth.reduce((s, t) => s + Number(t.true_win_probability), 0) / truth.length
    const won = truth.filter((t) => t.final_outcome === 'Won').length / truth.length
    expect(Math.abs(mean - won)).toBeLessThan(0.02)
  })

  it('writes a roster with one executive, one admin and regional managers whose teams are the owners', () => {
    const { rows, summary } = generate({ deals: 1000 })
    const roster = readFileSync(summary.roster, 'utf8')
    expect(roster).toContain('executives: [cro@acme.example]')
    expect(roster).toContain('admins: [revops@acme.example]')
    const managers = roster.match(/- email: /g) ?? []
    expect(managers.length).toBeGreaterThanOrEqual(2)
    expect(managers.length).toBeLessThanOrEqual(4)
    for (const email of new Set(rows.map((r) => r.owner_email))) expect(roster).toContain(email)
  })

  it('imports with no rejected row, one history row per stay', async () => {
    const { rows, out } = generate({ deals: 3000 })
    store = await openTestStore()
    const summary = await importCsvFile(store, { path: out, stages: DEFAULT_STAGES, threads: 'inline' })
    expect(summary).toMatchObject({ read: 3000, inserted: 3000, rejected: 0, unknownStages: [] })
    const stays = rows.reduce((n, r) => n + (r.stage_history as string).split(';').length, 0)
    const count = await store.db
      .selectFrom('stage_history')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(stays)
  })
})

describe('pulse sample', () => {
  it('writes the CSV, truth file and roster and says where', async () => {
    const out = join(tempDir(), 'demo.csv')
    const run = await runCli('sample', '--out', out, '--deals', '300', '--seed', 'x', '--as-of', AS_OF)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Wrote 300 deals')
    expect(run.stdout).toContain('demo.truth.csv')
    expect(run.stdout).toContain('demo.roster.yml')
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(301)
  })

  it('counts with thousands separators, as the import of it does', async () => {
    const dir = tempDir()
    const out = join(dir, 'demo.csv')
    const run = await runCli('sample', '--out', out, '--deals', '1200', '--as-of', AS_OF)
    expect(run.stdout).toMatch(/^Wrote 1,200 deals \(\d{1,3}(,\d{3})* won, /)
    const ingest = await runCli('ingest', '--csv', out, '--db', join(dir, 'p.db'))
    expect(ingest.stdout).toContain('Imported 1,200 of 1,200 rows from ')
    expect(ingest.stdout).toMatch(/: 1,200 new, 0 updated, 0 rejected\./)
  })

  it("counts the owners of the deals written, not the company's whole roster, in a small sample", async () => {
    const out = join(tempDir(), 'tiny.csv')
    const run = await runCli('sample', '--out', out, '--deals', '10')
    expect(run.code).toBe(0)
    const lines = readFileSync(out, 'utf8').trim().split('\n').slice(1)
    const ownerColumn = SAMPLE_CSV_HEADER.split(',').indexOf('sales_rep_id')
    const owners = new Set(lines.map((l) => l.split(',')[ownerColumn]))
    expect(owners.size).toBeLessThan(10)
    expect(run.stdout).toContain(`; ${owners.size} owners)`)
  })

  it('refuses an unknown --patterns value and a bad --deals with a next step', async () => {
    const out = join(tempDir(), 'demo.csv')
    const bad = await runCli('sample', '--out', out, '--patterns', 'some')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--patterns "some" is not known; use --patterns none/)
    // The value is read whatever its case: `None` is the flat sample, not an unknown value.
    const flat = await runCli('sample', '--out', out, '--deals', '50', '--patterns', 'None')
    expect(flat.code).toBe(0)
    expect(flat.stdout).toContain('patterns none')
    const zero = await runCli('sample', '--out', out, '--deals', '0')
    expect(zero.code).toBe(1)
    expect(zero.stderr).toMatch(/--deals "0"/)
  })

  it('refuses a folder or a pipe as --out with the way out, not advice about the folder existing', async () => {
    const dir = tempDir()
    const folder = join(dir, 'deals.csv')
    mkdirSync(folder)
    const pipe = join(dir, 'pipe.csv')
    execFileSync('mkfifo', [pipe])
    for (const [out, what] of [
      [folder, 'it is a folder, not a file; move it away or choose another --out.'],
      [pipe, 'it is a device, pipe or socket, not a file a sample can replace; choose another --out.'],
    ] as const) {
      const run = await runCli('sample', '--out', out, '--deals', '5', '--as-of', AS_OF)
      expect(run.code).toBe(1)
      expect(run.stderr.trimEnd()).toBe(`Cannot write ${out}: ${what}`)
    }
  })

  it('refuses an empty --seed (an unset variable) instead of writing a sample no seed names', async () => {
    const out = join(tempDir(), 'demo.csv')
    for (const seed of ['', '  ']) {
      const run = await runCli('sample', '--out', out, '--deals', '5', '--as-of', AS_OF, '--seed', seed)
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('--seed needs a number or a word')
      expect(existsSync(out)).toBe(false)
    }
  })

  it('accepts --db like every command (and leaves the database alone), and refuses an impossible --as-of', async () => {
    const dir = tempDir()
    const run = await runCli('sample', '--out', join(dir, 'a.csv'), '--deals', '5', '--as-of', AS_OF, '--db', join(dir, 'p.db'))
    expect(run.code, run.stderr).toBe(0)
    expect(existsSync(join(dir, 'p.db'))).toBe(false)
    const bad = await runCli('sample', '--out', join(dir, 'b.csv'), '--as-of', '2024-02-30')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('--as-of "2024-02-30" is not a date')
  })

  it('writes a sample as of the first years of the calendar that pulse ingest takes whole, and refuses one that would begin before them', async () => {
    const dir = tempDir()
    const out = join(dir, 'early.csv')
    const sample = await runCli('sample', '--out', out, '--deals', '300', '--as-of', '0004-02-05')
    expect(sample.code, sample.stderr).toBe(0)
    const ingest = await runCli('ingest', '--csv', out, '--db', join(dir, 'early.db'))
    expect(ingest.stdout).toContain('300 new, 0 updated, 0 rejected')
    const early = await runCli('sample', '--out', join(dir, 'before.csv'), '--as-of', '0004-02-04')
    expect(early).toMatchObject({ code: 1, stdout: '' })
    expect(early.stderr).toContain(
      'A sample as of 0004-02-04 would begin before 0001-01-01, the first day of the calendar (its deals span the 1,130 days before the as-of day); use --as-of 0004-02-05 or later.',
    )
    expect(existsSync(join(dir, 'before.csv'))).toBe(false)
  })

  it('writes a one-deal file that pulse ingest reads back', async () => {
    const dir = tempDir()
    const out = join(dir, 'one.csv')
    const sample = await runCli('sample', '--out', out, '--deals', '1', '--as-of', AS_OF)
    expect(sample.code, sample.stderr).toBe(0)
    expect(sample.stdout).toMatch(/^Wrote 1 deal \(/)
    const run = await runCli('ingest', '--csv', out, '--db', join(dir, 'p.db'))
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('1 new, 0 updated, 0 rejected')
  })
})

describe('writeSampleFiles when a file cannot be written', () => {
  it('leaves no half-written file and an earlier sample at that path as it was', () => {
    const dir = tempDir()
    const out = join(dir, 'x.csv')
    writeFileSync(out, 'an earlier sample\n')
    mkdirSync(join(dir, 'x.truth.csv'))
    expect(() => writeSampleFiles({ out, deals: 20, seed: '1', asOf: '2024-07-20' })).toThrow(/x\.truth\.csv: it is a folder/)
    expect(readFileSync(out, 'utf8')).toBe('an earlier sample\n')
    expect(readdirSync(dir).sort()).toEqual(['x.csv', 'x.truth.csv'])
  })

  it('refuses to replace a device or a pipe, and leaves it as it was', () => {
    const dir = tempDir()
    const out = join(dir, 'pipe.csv')
    execFileSync('mkfifo', [out])
    expect(() => writeSampleFiles({ out, deals: 20, seed: '1', asOf: '2024-07-20' })).toThrow(/pipe\.csv: it is a device, pipe or socket/)
    expect(statSync(out).isFIFO()).toBe(true)
    expect(readdirSync(dir)).toEqual(['pipe.csv'])
  })
})
